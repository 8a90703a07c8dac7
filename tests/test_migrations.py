"""One Alembic chain: upgrade head, downgrade base and upgrade again on SQLite and PostgreSQL, and
the models never drift from the migrations (`alembic check`)."""
import uuid
from datetime import date, datetime

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tenants.db import Base, make_engine, make_session_factory
from tenants.models import OutboxMail
from tenants.outbox import rules as outbox_rules
from tenants.tenancy import Scope
from tests.support import PG_ADMIN_URL, pg_available, require_service
from workers.cli import alembic_config


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    require_service(pg_available(), "PostgreSQL")
    name = f"panel_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables(url):
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_one_revision_chain():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1


def test_upgrade_downgrade_upgrade_and_no_drift(empty_db):
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "head")
    assert tables(empty_db) == set(Base.metadata.tables)
    command.check(cfg)  # raises when models and migrations differ
    command.downgrade(cfg, "base")
    assert tables(empty_db) == set()
    command.upgrade(cfg, "head")
    assert tables(empty_db) == set(Base.metadata.tables)


T = datetime(2026, 11, 20, 14, 0)  # naive UTC, as the database keeps it


def _plain(column):
    """A value for a required column the test does not care about."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = str
    return {bool: False, int: 0, float: 0.0, datetime: T, date: T.date(), dict: {}, list: []}.get(kind, "x")


def _insert(conn, table_name: str, **values) -> int:
    """One row at an old revision: the given values, a plain value in every other required column."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    row = {c.name: _plain(c) for c in table.columns if not c.nullable and not c.primary_key} | values
    return conn.execute(table.insert().values(row)).inserted_primary_key[0]


def _rows(url, table_name: str, columns: str, where=None) -> list[tuple]:
    """The given columns of every row (optionally ``where(table)``), sorted."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
            query = sa.select(*(table.c[name] for name in columns.split()))
            if where is not None:
                query = query.where(where(table))
            return sorted((tuple(r) for r in conn.execute(query)), key=str)
    finally:
        engine.dispose()


NOTICES = "kind subject_key recipient recipient_label status attempts last_error sent_at"
CONTRACT_MAIL = "purpose to_addr subject attempts error sent_at failed_at"
LINKS = "server_id incident_id contract_id reseller_id"


def test_notices_and_contract_mail_move_into_the_outbox_and_back(empty_db):
    """0011 keeps every notice and contract mail as it stood (sent, waiting, given up with its
    reason, links); the waiting ones are due for the outbox's sender; the downgrade gives them back."""
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "0010")
    engine = make_engine(empty_db)
    with engine.begin() as conn:
        reseller = _insert(conn, "resellers", code="demo", name="Demo")
        server = _insert(conn, "servers", hostname="web1.example", address="127.0.0.1")
        endpoint = _insert(conn, "monitored_endpoints", server_id=server, protocol="http")
        incident = _insert(conn, "incidents", server_id=server, endpoint_id=endpoint, subject="http:80")
        party = _insert(conn, "managed_customers", name="Sample Co.", reseller_id=reseller)
        contract = _insert(conn, "managed_contracts", party_id=party, reseller_id=reseller)
        for kind, key, to, status, attempts, error, sent in (
                ("outage", f"incident:{incident}", "noc@demo.example", "sent", 1, None, T),
                ("outage", f"incident:{incident}", "noc@acme.example", "gave_up", 5, "SMTPDataError: 451", None),
                ("lock", "lock:7", "taro@example.jp", "pending", 0, None, None)):
            _insert(conn, "notifications", server_id=server, subject_key=key, kind=kind, recipient=to,
                    recipient_label="NOC", subject=f"[{kind}]", body="本文", status=status, attempts=attempts,
                    last_error=error, incident_id=incident if kind == "outage" else None, sent_at=sent,
                    claimed_at=T, created_at=T)
        for subject, attempts, error, sent, failed in (
                ("sent", 1, None, T, None), ("given up", 1, "Not sent: the subject contains a line break", None, T),
                ("waiting", 0, "SMTP connection failed: refused", None, None), ("new", 0, None, None, None)):
            _insert(conn, "managed_mails", contract_id=contract, reseller_id=reseller, purpose="work_completed",
                    to_addr="ops@customer.example", subject=subject, body="完了しました。", queued_at=T,
                    attempts=attempts, error=error, sent_at=sent, failed_at=failed)
    engine.dispose()
    notices, contract_mail = _rows(empty_db, "notifications", NOTICES), _rows(empty_db, "managed_mails", CONTRACT_MAIL)

    command.upgrade(cfg, "0011")
    assert {"notifications", "managed_mails"} & tables(empty_db) == set()
    columns = f"kind dedup_key recipient status attempts last_error sent_at given_up_at {LINKS}"
    assert _rows(empty_db, "outbox", columns, lambda t: t.c.server_id.is_not(None)) == sorted([
            ("outage", f"incident:{incident}", "noc@demo.example", "sent", 1, None, T, None, server, incident,
             None, None),
            ("outage", f"incident:{incident}", "noc@acme.example", "gave_up", 5, "SMTPDataError: 451", None, T,
             server, incident, None, None),
            ("lock", "lock:7", "taro@example.jp", "pending", 0, None, None, None, server, None, None, None)], key=str)
    columns = f"subject kind recipient status attempts last_error sent_at given_up_at dedup_key {LINKS}"
    assert _rows(empty_db, "outbox", columns, lambda t: t.c.server_id.is_(None)) == [
            ("given up", "work_completed", "ops@customer.example", "gave_up", 1,
             "Not sent: the subject contains a line break", None, T, None, None, None, contract, reseller),
            ("new", "work_completed", "ops@customer.example", "pending", 0, None, None, None, None, None, None,
             contract, reseller),
            ("sent", "work_completed", "ops@customer.example", "sent", 1, None, T, None, None, None, None,
             contract, reseller),
            ("waiting", "work_completed", "ops@customer.example", "failed", 0, "SMTP connection failed: refused",
             None, None, None, None, None, contract, reseller)]
    engine = make_engine(empty_db)
    with make_session_factory(engine)() as s:
        s.bind_scope(Scope.system())
        due = set(s.execute(sa.select(OutboxMail.subject).where(OutboxMail.id.in_(outbox_rules.due(s)))).scalars())
    engine.dispose()
    assert due == {"[lock]", "waiting", "new"}

    command.downgrade(cfg, "0010")
    assert "outbox" not in tables(empty_db)
    assert _rows(empty_db, "notifications", NOTICES) == notices
    assert _rows(empty_db, "managed_mails", CONTRACT_MAIL) == contract_mail
    assert len(notices) == 3 and len(contract_mail) == 4


def test_invoices_issued_before_qualified_invoices_keep_their_numbers_and_amounts(empty_db):
    """0015: an invoice issued before keeps its number, lines and total, is marked as not a
    qualified invoice (no tax) and gets its party and recipient; the downgrade gives it back as it
    was and drops the kinds 0015 brought."""
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "0014")
    engine = make_engine(empty_db)
    with engine.begin() as conn:
        party = _insert(conn, "managed_customers", name="株式会社旧請求", address="大阪市", billing_address="大阪市 経理部",
                        contact_email="old@customer.example")
        contract = _insert(conn, "managed_contracts", party_id=party, status="formed")
        invoice = _insert(conn, "managed_invoices", contract_id=contract, number="MC00001-202610", kind="monthly",
                          service_month=date(2026, 10, 1), issued_on=date(2026, 9, 30), due_on=date(2026, 9, 30),
                          total=38_000)
        _insert(conn, "managed_invoice_lines", invoice_id=invoice, item="base", description="月額利用料", amount=38_000)
        _insert(conn, "managed_payments", invoice_id=invoice, paid_on=date(2026, 9, 30), amount=8_000)
    engine.dispose()
    command.upgrade(cfg, "head")
    assert _rows(empty_db, "managed_invoices", "number total subtotal tax qualified party_id status recipient_name "
                 "recipient_address recipient_email") == [
        ("MC00001-202610", 38_000, 38_000, 0, False, party, "issued", "株式会社旧請求", "大阪市 経理部",
         "old@customer.example")]
    engine = make_engine(empty_db)
    with make_session_factory(engine)() as s:
        from tenants.models import Invoice
        s.bind_scope(Scope.system())
        old = s.get(Invoice, invoice)
        assert (old.balance, [line.tax_rate for line in old.lines], old.tax_breakdown) == (30_000, [None], [])
        s.add(Invoice(contract_id=contract, party_id=party, number="MC00001-E01", kind="extra",
                      service_month=date(2026, 11, 1), issued_on=date(2026, 11, 1), due_on=date(2026, 11, 30),
                      total=1_100))
        s.commit()
    engine.dispose()
    command.downgrade(cfg, "0014")
    assert _rows(empty_db, "managed_invoices", "number kind total") == [("MC00001-202610", "monthly", 38_000)]
    assert _rows(empty_db, "managed_payments", "amount") == [(8_000,)]
