"""Which certificate each HTTPS site is served with (issue 17): the domain's own certificate row
(issued by ACME or uploaded), else one named in the server's settings (tls_certificates, or the
server-wide tls_cert_file / tls_key_file), else none yet: the site is served over HTTP, where
the ACME answers are, until its certificate arrives."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.hosting.certificates import open_key
from tenants.models import Certificate, Domain


@dataclass(frozen=True)
class Tls:
    https: bool
    cert_file: str | None = None
    key_file: str | None = None
    certificate: tuple[str, str] | None = None
    aliases: tuple[str, ...] = ()
    detail: str = ""


def certificates_of(session, domains: list[Domain]) -> dict[int, Certificate]:
    ids = [d.id for d in domains]
    if not ids:
        return {}
    return {row.domain_id: row for row in session.execute(select(Certificate).where(Certificate.domain_id.in_(ids)))
            .scalars()}


def tls_for(site, box: SecretBox, domain: Domain, row: Certificate | None, site_names: set[str]) -> Tls:
    if not domain.https:
        return Tls(False)
    if row is not None and row.cert_pem:
        problem = "it is not kept"
        try:
            key = open_key(box, row)
        except ValueError as exc:
            key, problem = None, str(exc)
        if key:
            www = f"www.{domain.name}"
            aliases = (www,) if www in row.name_list and www not in site_names else ()
            return Tls(True, certificate=(row.cert_pem, key), aliases=aliases)
        return Tls(False, detail=f"HTTPS for {domain.name}: the certificate's key cannot be opened ({problem}); "
                                 "the site is served over HTTP only")
    cert, key_file = site.certificate(domain.name)
    if cert and key_file:
        return Tls(True, cert, key_file)
    return Tls(False, detail=f"HTTPS for {domain.name}: no certificate configured yet (none issued or uploaded, "
                             "no tls_cert_file, tls_key_file or tls_certificates); the site is served over HTTP "
                             "only until one is there")
