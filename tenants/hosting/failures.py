"""Why a change could not be applied on the server, told twice: ``state_reason`` in words an end
user may read (no paths, no tool output, no provider: the reseller does all end-user support, OEM
spec ブランド) and ``state_detail`` with the tool's own output, which only the provider reads
(its page of failed changes per server)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tenants.errors import N_
from tenants.hosting.sftp_models import SftpAccount
from tenants.models import (
    Customer,
    Database,
    DkimKey,
    DnsRecord,
    Domain,
    FtpAccount,
    MailAccount,
    MailingList,
    ProtectedDirectory,
    ProvisionState,
    Reseller,
)

NOT_APPLIED = N_("The server could not apply this change. Support has the details.")
SITE_REFUSED = N_("The server could not accept the settings of this site. Support has the details.")
ZONE_REFUSED = N_("The server could not accept the DNS records of this domain. Support has the details.")
PROTECTED_REFUSED = N_("The server could not accept the settings of this protected folder. "
                       "Support has the details.")
FTP_REFUSED = N_("The server could not accept the settings of this FTP account. Support has the details.")
NO_HTTPS = N_("HTTPS is not available for this site yet; it is served over HTTP only. Support has the details.")
DOCROOT_OUTSIDE = N_("The document root of this site leads outside your home folder (through a link), so the "
                     "site is not served. Point it to a folder inside your home folder again.")
PHP_REFUSED = N_("PHP could not be started for this site; its static files are still served. "
                  "Support has the details.")
SSH_REFUSED = N_("The server could not accept the settings of this SFTP/SSH account. Support has the details.")
CRON_REFUSED = N_("The server could not accept this cron job. Support has the details.")
PASSWORD_GONE = N_("The issued password is no longer kept; issue a new password to retry.")

END_USER_REASONS = frozenset({NOT_APPLIED, SITE_REFUSED, ZONE_REFUSED, PROTECTED_REFUSED, FTP_REFUSED, NO_HTTPS,
                              DOCROOT_OUTSIDE, PASSWORD_GONE, PHP_REFUSED, CRON_REFUSED, SSH_REFUSED})


def end_user_reason(reason: str | None) -> str | None:
    """The message id an end user is shown for a failed row: one of ours, never anything else
    (a reason written before reasons and details were kept apart may hold a tool's output)."""
    if not reason:
        return None
    return reason if reason in END_USER_REASONS else NOT_APPLIED


# What the provider's list calls each kind of row, and how it names one.
KINDS = (
    (Domain, N_("Domain"), lambda row: row.name),
    (ProtectedDirectory, N_("Protected folder"), lambda row: f"{row.domain.name}/{row.path}"),
    (DnsRecord, N_("DNS record"), lambda row: f"{row.name} {row.type} ({row.domain.name})"),
    (MailAccount, N_("Mail account"), lambda row: row.address),
    (MailingList, N_("Mailing list"), lambda row: row.address),
    (FtpAccount, N_("FTP account"), lambda row: row.name),
    (SftpAccount, N_("SFTP/SSH account"), lambda row: row.name),
    (Database, N_("Database"), lambda row: f"{row.name} ({row.engine})"),
    (DkimKey, N_("DKIM key"), lambda row: f"{row.selector} ({row.domain.name})"),
)


@dataclass(frozen=True)
class FailedChange:
    kind: str            # message id, e.g. "Domain"
    item: str
    reseller_code: str
    customer: Customer
    reason: str | None   # what the end user reads
    detail: str | None   # the tool's output
    deleting: bool


def failed_on_server(session, server_id: int) -> list[FailedChange]:
    """Every failed hosting row of the customers on one server (provider staff only: the caller's
    scope must be the provider's, whose queries see every tenant)."""
    out = []
    for model, kind, name in KINDS:
        stmt = (select(model, Customer, Reseller.code).join(Customer, Customer.id == model.customer_id)
                .join(Reseller, Reseller.id == Customer.reseller_id)
                .where(Customer.server_id == server_id, model.state == ProvisionState.FAILED.value)
                .order_by(Reseller.code, Customer.id, model.id))
        for row, customer, code in session.execute(stmt):
            out.append(FailedChange(kind, name(row), code, customer, row.state_reason, row.state_detail,
                                    row.deleting))
    return out
