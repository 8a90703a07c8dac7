"""One ACME order (RFC 8555) with the ``acme`` and ``josepy`` packages as certbot itself uses them:
account (made once per directory, its key kept by the caller), order, HTTP-01 answers written on
the server through its driver, finalize, download. Failures come back as AcmeFailure with a
plain reason (a message id of tenants.hosting.certificate_failures) and the CA's own words."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Callable

import josepy as jose
from acme import challenges, client, crypto_util, errors, messages
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tenants.hosting import certificate_failures as why

# issue 17: Let's Encrypt production and staging as presets; any other https:// URL works too
PRESETS = {"letsencrypt": "https://acme-v02.api.letsencrypt.org/directory",
           "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory"}
USER_AGENT = "oem-hosting-panel (acme-python)"
ORDER_SECONDS = 90  # how long one order may take (validation, finalization)


class AcmeFailure(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason} {detail}")
        self.reason, self.detail = reason, detail


@dataclass
class Account:
    directory_url: str
    key_json: str            # the account's JWK (private), kept sealed by the caller
    url: str | None = None   # the account's URL at the CA, once made
    contact: str = ""
    ca_bundle: str | None = None  # a CA file to trust for the directory's TLS (a private or test CA)


def directory_url(value: str | None) -> str | None:
    """A preset name or an https:// URL; None when ACME is turned off ("off" or empty)."""
    value = (value or "").strip()
    if value in ("", "off"):
        return None
    url = PRESETS.get(value, value)
    if not url.startswith("https://"):
        raise ValueError(f"the ACME directory {value!r} is neither a preset ({', '.join(PRESETS)}) nor https://")
    return url


def new_account_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return json.dumps(jose.JWKRSA(key=key).to_json())


def new_certificate_key() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _client(account: Account) -> client.ClientV2:
    key = jose.JWKRSA.json_loads(account.key_json)
    net = client.ClientNetwork(key, user_agent=USER_AGENT, timeout=30)
    if account.ca_bundle:
        net.verify_ssl = account.ca_bundle  # type: ignore[assignment]  # requests' verify= takes a CA file
    try:
        directory = client.ClientV2.get_directory(account.directory_url, net)
    except Exception as exc:  # connection refused, TLS, not a directory
        raise AcmeFailure(why.CA_UNREACHABLE, f"{account.directory_url}: {exc}") from exc
    acme = client.ClientV2(directory, net)
    if account.url:
        net.account = messages.RegistrationResource(uri=account.url, body=messages.Registration())
        return acme
    registration = messages.NewRegistration.from_data(email=account.contact or None, terms_of_service_agreed=True)
    try:
        account.url = acme.new_account(registration).uri
    except errors.ConflictError as exc:  # this key has an account already
        account.url = exc.location
        net.account = messages.RegistrationResource(uri=exc.location, body=messages.Registration())
    return acme


def _problem(error: messages.Error | None) -> tuple[str, str]:
    if error is None:
        return why.NOT_ISSUED, "no reason given by the CA"
    kind = (error.typ or "").rsplit(":", 1)[-1]
    reason = {"rateLimited": why.RATE_LIMITED, "dns": why.DNS, "connection": why.UNREACHABLE,
              "unauthorized": why.UNREACHABLE, "incorrectResponse": why.UNREACHABLE,
              "rejectedIdentifier": why.REJECTED, "caa": why.REJECTED}.get(kind, why.NOT_ISSUED)
    return reason, f"{kind}: {error.detail or ''}".strip()


def obtain(account: Account, names: list[str], put: Callable[[str, str], None],
           remove: Callable[[str], None]) -> tuple[str, str]:
    """(full chain PEM, key PEM) of a new certificate for ``names`` (ASCII), proven by HTTP-01
    answers that ``put(token, text)`` publishes and ``remove(token)`` takes away again."""
    acme = _client(account)
    key_pem = new_certificate_key()
    tokens: list[str] = []
    try:
        order = acme.new_order(crypto_util.make_csr(key_pem, names))
        for authz in order.authorizations:
            if authz.body.status == messages.STATUS_VALID:
                continue
            http = [c for c in authz.body.challenges if isinstance(c.chall, challenges.HTTP01)]
            if not http:
                raise AcmeFailure(why.NOT_ISSUED, "the CA offers no HTTP-01 challenge")
            response, validation = http[0].response_and_validation(acme.net.key)
            token = http[0].chall.encode("token")
            put(token, validation)
            tokens.append(token)
            acme.answer_challenge(http[0], response)
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=ORDER_SECONDS)
        done = acme.poll_and_finalize(order, deadline)
    except AcmeFailure:
        raise
    except errors.ValidationError as exc:
        failed = [c.error for a in exc.failed_authzrs for c in a.body.challenges if c.error is not None]
        reason, detail = _problem(failed[0] if failed else None)
        raise AcmeFailure(reason, detail) from exc
    except messages.Error as exc:
        reason, detail = _problem(exc)
        raise AcmeFailure(reason, detail) from exc
    except errors.TimeoutError as exc:
        raise AcmeFailure(why.NOT_ISSUED, f"the CA did not finish within {ORDER_SECONDS} s") from exc
    except (errors.Error, OSError) as exc:
        raise AcmeFailure(why.CA_UNREACHABLE, str(exc) or type(exc).__name__) from exc
    finally:
        for token in tokens:
            try:
                remove(token)
            except Exception:  # noqa: BLE001  a stale answer file does no harm; the next run replaces it
                pass
    return done.fullchain_pem, key_pem.decode()
