"""Shared helpers for the business-panel tests."""
from sqlalchemy import func, select

from tenants.tenancy import Scope
from tests.support import scoped_session

COURSE = {"name": "ライト", "description": "", "disk_quota_mb": 1000, "traffic_quota_gb": 50, "max_domains": 3,
          "max_mail_accounts": 10, "mailbox_quota_mb": 500, "max_mailing_lists": 1, "max_mail_aliases": 5,
          "max_ftp_accounts": 2,
          "max_databases": 1, "max_dns_records": 20, "mass_mail_per_hour": 200, "https_allowed": "y",
          "overuse_notify": "y"}


def customer_form(world, **changes):
    data = {"login_id": "suzuki", "password": "", "contractor_name": "鈴木 一郎", "customer_number": "C-0100",
            "course_id": world.demo_course, "server_id": world.server, "contract_date": "2026-05-01",
            "start_date": "2026-05-10", "contact_email": "suzuki@example.jp", "status": "active"}
    data.update(changes)
    return data


def count(app, model, *where):
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def one(app, stmt):
    with scoped_session(app, Scope.system()) as s:
        return s.execute(stmt).scalar_one_or_none()


def set_disk_use(app, customer_id, used_bytes):
    from tenants.models import Customer

    with scoped_session(app, Scope.system()) as s:
        s.get(Customer, customer_id).disk_used_bytes = used_bytes
        s.commit()


def scalars(app, stmt) -> list:
    """All values of a one-column query, read in a session that is closed again."""
    with scoped_session(app, Scope.system()) as s:
        return list(s.scalars(stmt))
