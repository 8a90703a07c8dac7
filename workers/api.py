"""The one enqueue surface: the panels and the scheduler hand work to the workers only through
these functions (each names its job by the function, never by a dotted string) and never import
a job's internals."""
from __future__ import annotations

from collections.abc import Iterable

from tenants.hosting.wanted import Work
from workers import queues
from workers.jobs import accounts, customers, invoices, outbox
from workers.jobs.hosting import move, provisioning
from workers.jobs.incidents import cycle


def provision(works: Iterable[Work]) -> list[str]:
    """Apply saved wanted state: each piece of work once (raises RedisError when Redis is away)."""
    return provisioning.enqueue_work(works)


def update_mail(server_id: int) -> list[str]:
    """Write a server's mail configuration again (e.g. a mass-mail lock lifted)."""
    return provision([Work.service_on(server_id, "mail")])


def remove_customer(customer_id: int) -> None:
    """Take a deleted customer's hosting off its server, then its records."""
    queues.enqueue(customers.remove_customer, customer_id, queue_name="provisioning")


def move_customer(move_id: int) -> None:
    """Carry out a recorded move of a customer to another server (tenants/hosting/moves.py)."""
    queues.enqueue(move.move_customer, move_id, queue_name="provisioning")


def send_outbox() -> None:
    """Send the queued mail (e.g. the contract workflow's) now instead of at the next 5-minute run."""
    queues.enqueue(outbox.send_outbox, queue_name="notifications")


def send_fault_report(report_id: int) -> None:
    """Email a fault report to the fault contacts of its server (queued in the outbox and sent)."""
    queues.enqueue(cycle.send_report, report_id, queue_name="notifications")


def test_connection(server, box=None) -> dict:
    """"Test connection" for the provider's server screen, run now (bounded by the SSH timeouts):
    the host key the server presents and whether it is the pinned one, the OS, the tools present
    and missing (workers/drivers/survey.py)."""
    from workers.drivers.survey import test_connection as survey

    return survey(server, box)


def read_host_key(address: str, port: int = 22) -> str:
    """The host key a server presents now ("<type> <base64>"), for the provider to confirm by its
    fingerprint before it is pinned (raises TransportError with the reason when nothing answers)."""
    from workers.drivers.transport.keys import scan_host_key

    return scan_host_key(address, port)


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when a test module imports it


def mail_password_reset(realm: str, email: str, link_template: str, site: str) -> None:
    """Look the address up in a realm and mail each of its logins a password reset link (the
    request's answer never says whether there was one)."""
    queues.enqueue(accounts.mail_password_reset, realm, email, link_template, site, queue_name="notifications",
                   retries=1)


def render_invoice_pdf(invoice_id: int) -> None:
    """Make an invoice's PDF (kept under the instance folder) for download."""
    queues.enqueue(invoices.render_invoice_pdf, invoice_id, queue_name="billing")


def run_backup(server_id: int) -> None:
    """Take a generation of the server's backup now (the provider's "run now")."""
    from workers.jobs.backups.run import JOB_TIMEOUT
    from workers.jobs.backups.run import run_backup as job

    queues.enqueue(job, server_id, None, "manual", queue_name="backups", retries=1, job_timeout=JOB_TIMEOUT)


def restore_backup(restore_id: int) -> None:
    """Carry out a recorded restore (tenants/backups/restores.py)."""
    from workers.jobs.backups.restore import restore_backup as job
    from workers.jobs.backups.run import JOB_TIMEOUT

    queues.enqueue(job, restore_id, queue_name="backups", retries=1, job_timeout=JOB_TIMEOUT)


def restore_server(restore_id: int) -> None:
    """Carry out a recorded restore of a whole server (tenants/backups/server_restore.py)."""
    from workers.jobs.backups.restore_server import restore_server as job
    from workers.jobs.backups.run import JOB_TIMEOUT

    queues.enqueue(job, restore_id, queue_name="backups", retries=1, job_timeout=JOB_TIMEOUT)
