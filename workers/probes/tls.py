"""TLS for the text probes, on pyOpenSSL (cryptography's bundled OpenSSL).

The same client policy as the standard library's ssl.create_default_context(): TLS 1.2 or later,
its cipher list, the system trust store (or only `ca_file`), and OpenSSL's own host name / IP
address check during the handshake (X509_VERIFY_PARAM_set1_host / set1_ip, what the ssl module
calls). Failures are raised as the ssl module's exceptions (SSLCertVerificationError with the same
verify_message, SSLError with the OpenSSL reason), so reason_for() reports them unchanged.

Why not the ssl module: a handshake costs about a quarter less CPU on OpenSSL 4 than on the
system's OpenSSL 3.0 (provider and name lookups, locks), and the probe engine's throughput on
the benchmark is bound by CPU per check (issue 5).
"""
from __future__ import annotations

import ipaddress
import os
import ssl
from datetime import datetime
from functools import lru_cache

from cryptography.hazmat.bindings.openssl.binding import Binding
from OpenSSL import SSL

from .result import Endpoint, TlsInfo

_lib = Binding.lib  # the calls pyOpenSSL does not wrap: host check and verify result (libssl API)
# The ssl module's default TLS 1.2 cipher list (CPython Modules/_ssl.c, PY_SSL_DEFAULT_CIPHER_STRING).
CIPHERS = b"@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"
# Groups offered, key share sent for the first only: OpenSSL 3.5+ would also send an ML-KEM
# hybrid share by default, costing CPU on every handshake; the ssl module on the system's
# OpenSSL 3.0 never offered it either.
GROUPS = b"X25519:P-256:X448:P-384:P-521:ffdhe2048:ffdhe3072"
OPTIONS = SSL.OP_NO_COMPRESSION | _lib.SSL_OP_IGNORE_UNEXPECTED_EOF


@lru_cache(maxsize=64)
def client_context(verify: bool, ca_file: str | None) -> SSL.Context:
    """A client context: verifying (system store, or only `ca_file` when given) or not verifying."""
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
    ctx.set_options(OPTIONS)
    ctx.set_cipher_list(CIPHERS)
    if not _lib.SSL_CTX_set1_curves_list(ctx._context, GROUPS):
        raise ssl.SSLError("cannot set the TLS groups")
    if not verify:
        ctx.set_verify(SSL.VERIFY_NONE)
        return ctx
    if ca_file:
        with open(ca_file, "rb"):  # missing or unreadable: the OSError, as with the ssl module
            pass
        try:
            ctx.load_verify_locations(ca_file)
        except SSL.Error as exc:  # not PEM certificates
            raise _ssl_error(exc) from None
    else:  # the system store, found as the ssl module finds it (SSL_CERT_FILE / SSL_CERT_DIR too)
        paths = ssl.get_default_verify_paths()
        ctx.load_verify_locations(paths.cafile, paths.capath)
    _lib.X509_VERIFY_PARAM_set_hostflags(_lib.SSL_CTX_get0_param(ctx._context),
                                         _lib.X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS)
    ctx.set_verify(SSL.VERIFY_PEER)
    return ctx


def endpoint_context(endpoint: Endpoint) -> SSL.Context:
    return client_context(bool(endpoint.verify_tls), endpoint.ca_file if endpoint.verify_tls else None)


def _address(name: str) -> bytes | None:
    try:
        return ipaddress.ip_address(name).packed
    except ValueError:
        return None


def client_connection(context: SSL.Context, sock, name: str) -> SSL.Connection:
    """A connection in client mode on `sock`: SNI for a host name, and the name (or IP address)
    the certificate must match when the context verifies."""
    conn = SSL.Connection(context, sock)
    address = _address(name)
    encoded = None if address else name.encode("idna")
    if encoded:
        conn.set_tlsext_host_name(encoded)
    if context.get_verify_mode() != SSL.VERIFY_NONE:
        param = _lib.SSL_get0_param(conn._ssl)
        done = (_lib.X509_VERIFY_PARAM_set1_ip(param, address, len(address)) if address
                else _lib.X509_VERIFY_PARAM_set1_host(param, encoded, len(encoded)))
        if not done:
            raise ssl.SSLError(f"cannot check the name {name!r}")
    conn.set_connect_state()
    return conn


def _verify_message(code: int, name: str) -> str:
    """As the ssl module words it (CPython Modules/_ssl.c fill_and_set_sslerror)."""
    if code == _lib.X509_V_ERR_HOSTNAME_MISMATCH:
        return f"Hostname mismatch, certificate is not valid for {name!r}."
    if code == _lib.X509_V_ERR_IP_ADDRESS_MISMATCH:
        return f"IP address mismatch, certificate is not valid for {name!r}."
    return Binding.ffi.string(_lib.X509_verify_cert_error_string(code)).decode("ascii", "replace")


def as_ssl_error(conn: SSL.Connection, exc: SSL.Error, name: str) -> Exception:
    """The ssl-module exception for a pyOpenSSL failure (EOF: the connection was lost)."""
    if isinstance(exc, (SSL.ZeroReturnError, SSL.SysCallError)):
        if isinstance(exc, SSL.SysCallError) and exc.args and exc.args[0] > 0:
            return OSError(exc.args[0], os.strerror(exc.args[0]))
        return ConnectionResetError("Connection lost")
    code = _lib.SSL_get_verify_result(conn._ssl)
    if code != _lib.X509_V_OK:
        message = _verify_message(code, name)
        error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
        error.library, error.reason = "SSL", "CERTIFICATE_VERIFY_FAILED"
        error.verify_code, error.verify_message = code, message
        return error
    return _ssl_error(exc)


def _ssl_error(exc: SSL.Error) -> ssl.SSLError:
    """An ssl.SSLError whose reason is OpenSSL's, spelt as the ssl module spells it."""
    details = exc.args[0] if exc.args and isinstance(exc.args[0], list) and exc.args[0] else None
    text = str(details[-1][2]) if details else str(exc) or type(exc).__name__
    reason = text.upper().replace(" ", "_")
    error = ssl.SSLError(1, f"[{reason}] {text}")
    error.library, error.reason = (details[-1][0] if details else None), reason
    return error


def tls_info(conn: SSL.Connection) -> TlsInfo:
    """Expiry of the peer certificate and whether it was verified (chain and name)."""
    cert = conn.get_peer_certificate(as_cryptography=True)
    expires: datetime | None = cert.not_valid_after_utc if cert is not None else None
    return TlsInfo(expires=expires, verified=conn.get_context().get_verify_mode() != SSL.VERIFY_NONE)
