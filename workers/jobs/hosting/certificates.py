"""Certificate jobs (issue 17): get or renew one domain's certificate from the ACME CA and serve
it; the daily sweep that renews what is due (30 days before expiry, failed ones after their
backoff). The certificate and key reach the server with the site's configuration (apply_web:
one transaction, ``nginx -t`` before the reload, every file restored if it refuses)."""
from __future__ import annotations

from sqlalchemy import select

from tenants.hosting import certificate_failures as why
from tenants.hosting import certificates as rules
from tenants.hosting.certificate_models import ACME
from tenants.models import AcmeAccount, Certificate, Customer, Domain, Server
from workers import locks, queues, runtime
from workers.drivers import driver_for
from workers.drivers.host.spec import ApplyError
from workers.jobs.hosting import acme_client
from workers.jobs.hosting.provisioning import apply_service, hand_on, locked_apply_service, one_at_a_time
from workers.jobs.hosting.wanted_state import box, site_for

ACCOUNT_FIELD = "acme_account_key"


def acme_settings(site) -> acme_client.Account | None:
    """The ACME directory a server's sites get certificates from: its own settings (acme_directory,
    acme_contact, acme_ca_bundle) else the panel's (ACME_DIRECTORY ...); None when turned off."""
    panel = runtime.settings()
    url = acme_client.directory_url(site.extra.get("acme_directory", panel.acme_directory))
    if url is None:
        return None
    return acme_client.Account(url, "", contact=site.extra.get("acme_contact", panel.acme_contact),
                               ca_bundle=site.extra.get("acme_ca_bundle", panel.acme_ca_bundle))


def _account(session, wanted: acme_client.Account) -> tuple[AcmeAccount, acme_client.Account]:
    """The provider's account at this directory; its key is made once and kept sealed."""
    row = session.execute(select(AcmeAccount).where(AcmeAccount.directory_url == wanted.directory_url)).scalar()
    if row is None:
        row = AcmeAccount(directory_url=wanted.directory_url, contact=wanted.contact or "",
                          key_secret=box().seal(acme_client.new_account_key(), owner=wanted.directory_url,
                                                field=ACCOUNT_FIELD))
        session.add(row)
        session.commit()
    key = box().open(row.key_secret, owner=row.directory_url, field=ACCOUNT_FIELD)
    return row, acme_client.Account(row.directory_url, key, row.account_url, row.contact, wanted.ca_bundle)


def issue_certificate(domain_id: int, force: bool = False) -> str:
    """Get a certificate for the domain (and its www. name) when it has none, when it expires
    within 30 days, or when ``force``d; on failure keep the one served, record why and back off.
    Never raises for a CA's refusal: RQ retrying would be the retry storm the backoff prevents."""
    try:
        with one_at_a_time(f"certificate:{domain_id}"):
            return _issue(domain_id, force)
    except locks.Busy:
        return f"certificate of domain {domain_id}: another job is at it"


def _issue(domain_id: int, force: bool) -> str:
    with runtime.job_session() as s:
        domain = s.get(Domain, domain_id)
        if domain is None or domain.deleting or not domain.https:
            return f"domain {domain_id}: no HTTPS wanted; nothing to do"
        customer = s.get(Customer, domain.customer_id)
        server = s.get(Server, customer.server_id) if customer.server_id else None
        if server is None:
            return f"{domain.name}: the customer has no server; nothing to do"
        row = rules.certificate_of(s, domain)
        s.commit()
        if row.source != ACME:
            return f"{domain.name}: served with its own certificate; not renewed by the panel"
        if not force and not rules.renewal_due(row):
            return f"{domain.name}: certificate valid until {row.not_after}; not due"
        taken_www = s.execute(select(Domain.id).where(Domain.name == f"www.{domain.name}")).first() is not None
        names = rules.acme_names(domain.name, taken_www)
        try:  # the site (and its /.well-known/acme-challenge/) is served before the CA looks
            locked_apply_service(server.id, "web")
        except locks.Busy:
            return hand_on(issue_certificate, domain_id, force)
        try:
            with driver_for(server, box()) as driver:
                wanted = acme_settings(site_for(driver))
                if wanted is None:
                    raise acme_client.AcmeFailure(why.NO_ACME, "ACME is turned off for this server")
                account_row, account = _account(s, wanted)
                try:
                    try:
                        pem, key = acme_client.obtain(account, names, driver.put_acme_challenge,
                                                      driver.remove_acme_challenge)
                    except acme_client.AcmeFailure as exc:
                        if len(names) == 1 or exc.reason not in (why.UNREACHABLE, why.DNS):
                            raise
                        # the www. name may not point here (no record for it): the domain alone, once
                        names = names[:1]
                        pem, key = acme_client.obtain(account, names, driver.put_acme_challenge,
                                                      driver.remove_acme_challenge)
                finally:
                    if account.url and account_row.account_url != account.url:
                        account_row.account_url = account.url
                        s.commit()
        except acme_client.AcmeFailure as exc:
            return _failed(s, row, exc.reason, exc.detail, domain.name)
        except (ApplyError, ValueError, OSError) as exc:
            return _failed(s, row, why.NOT_ISSUED, str(exc), domain.name)
        previous = (row.cert_pem, row.key_secret)
        rules.record_pem(row, box(), pem, key, rules.leaf_info(pem), ACME)
        row.last_attempt_at = row.issued_at
        domain.want_changed()
        s.commit()
        server_id = server.id
    try:
        detail = locked_apply_service(server_id, "web")
    except locks.Busy:
        detail = hand_on(apply_service, server_id, "web")
    return _check_served(domain_id, previous, detail)


def _check_served(domain_id: int, previous, detail: str) -> str:
    """The new certificate is served unless the site was left out (nginx refused it): then the
    old one is put back in the record, as it is what the server still serves."""
    with runtime.job_session() as s:
        domain, row = s.get(Domain, domain_id), None
        if domain is not None:
            row = s.execute(select(Certificate).where(Certificate.domain_id == domain_id)).scalar_one_or_none()
        if domain is not None and row is not None and domain.state == "failed" and previous[0]:
            row.cert_pem, row.key_secret = previous
            row.names = "\n".join(rules.leaf_info(previous[0]).names)
            row.not_after = rules.leaf_info(previous[0]).not_after
            rules.record_failure(row, why.NOT_SERVED)
            s.commit()
            return f"{domain.name}: new certificate not served ({domain.state_detail}); the previous one stays"
        return f"domain {domain_id}: certificate issued; {detail}"


def _failed(session, row: Certificate, reason: str, detail: str, name: str) -> str:
    rules.record_failure(row, reason)
    row.last_error_detail = detail[:4000]
    session.commit()
    return f"{name}: certificate not issued ({detail}); next attempt at {row.next_attempt_at}"


def renew_certificates() -> list[str]:
    """Daily: enqueue the ACME certificates that are due (none yet, expiring within 30 days, or
    a failed attempt whose backoff is over), each once."""
    with runtime.job_session() as s:
        rows = s.execute(select(Domain, Certificate).outerjoin(Certificate, Certificate.domain_id == Domain.id)
                         .where(Domain.https.is_(True), Domain.deleting.is_(False))).all()
        due = [domain.id for domain, row in rows if rules.renewal_due(row)]
    waiting = queues.waiting("provisioning")
    out = []
    for domain_id in due:
        if (queues.job_path(issue_certificate), (domain_id,)) not in waiting:
            queues.enqueue(issue_certificate, domain_id, queue_name="provisioning")
            out.append(f"issue_certificate({domain_id})")
    return out
