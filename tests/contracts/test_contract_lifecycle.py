"""Lifecycle, options and cancellation of managed-service contracts through the service
functions, on SQLite and PostgreSQL (managed terms §5, §6, §9–§11)."""
from datetime import date

import pytest
from sqlalchemy import select

from tenants.contracts import lifecycle as contracts
from tenants.contracts.options import add_option, cancel_option, monitoring_features
from tenants.errors import RuleViolation
from tenants.models import Invoice, OutboxMail, PartyChange
from tests.contracts.helpers import formed_contract, system


def test_application_accept_notice_confirm_forms_on_billing_start(app, world):
    with system(app) as s:
        party = contracts.register_party(s, None, {"name": "株式会社サンプル", "contact_email": "a@b.example"})
        c = contracts.apply(s, None, party, server_id=world.server, monthly_fee=30_000, initial_fee=50_000,
                            applied_on=date(2026, 1, 5),
                            settings={"applications": "WordPress", "contacts": "佐藤",
                                      "emergency_contact": "佐藤 090-1111-2222"})
        assert c.status == "applied"
        contracts.accept(s, None, c, date(2026, 1, 6))
        contracts.send_start_notice(s, None, c, date(2026, 1, 7))
        contracts.confirm(s, None, c, date(2026, 1, 15), today=date(2026, 1, 8))
        s.commit()
        assert (c.status, c.formed_on, c.minimum_term_ends_on) == ("confirmed", date(2026, 1, 15), date(2027, 1, 14))
        mail = s.execute(select(OutboxMail).where(OutboxMail.contract_id == c.id)).scalar_one()
        assert mail.kind == "start_notice" and mail.recipient == "a@b.example"
        assert "WordPress" in mail.body and "佐藤 090-1111-2222" in mail.body
        assert not contracts.form_if_due(c, date(2026, 1, 14))
        assert contracts.form_if_due(c, date(2026, 1, 15)) and c.status == "formed"


def test_refusal_needs_a_listed_ground_and_records_it(app):
    with system(app) as s:
        party = contracts.register_party(s, None, {"name": "X社"})
        c = contracts.apply(s, None, party, server_id=None, monthly_fee=10_000, initial_fee=0,
                            applied_on=date(2026, 2, 1), settings={"emergency_contact": "x"})
        with pytest.raises(RuleViolation) as exc:
            contracts.refuse(s, None, c, "no_such_ground", "", date(2026, 2, 2))
        assert exc.value.problems[0].field == "refusal_ground"
        contracts.refuse(s, None, c, "payment_delay", "過去に遅延あり", date(2026, 2, 2))
        assert (c.status, c.refusal_ground) == ("refused", "payment_delay")
        with pytest.raises(RuleViolation):
            contracts.accept(s, None, c, date(2026, 2, 3))


def test_application_refuses_negative_fees_and_missing_emergency_contact(app):
    with system(app) as s:
        party = contracts.register_party(s, None, {"name": "X社"})
        with pytest.raises(RuleViolation) as exc:
            contracts.apply(s, None, party, server_id=None, monthly_fee=-1, initial_fee=0,
                            applied_on=date(2026, 2, 1), settings={})
        assert {p.field for p in exc.value.problems} == {"monthly_fee", "emergency_contact"}


def test_party_changes_are_kept_and_succession_deadline_is_30_days(app):
    with system(app) as s:
        party = contracts.register_party(s, None, {"name": "旧社名", "address": "大阪"})
        data = {"name": "旧社名", "address": "東京", "billing_address": "東京 経理部"}
        changes = contracts.update_party(s, None, party, data, date(2026, 3, 1))
        assert {(c.field, c.old_value, c.new_value) for c in changes} == {
            ("address", "大阪", "東京"), ("billing_address", "", "東京 経理部")}
        on_time = contracts.record_succession(s, None, party, "新社名", date(2026, 4, 1), date(2026, 5, 1))
        late = contracts.record_succession(s, None, party, "更に新社名", date(2026, 4, 1), date(2026, 5, 2))
        s.commit()
        assert (on_time.deadline, on_time.late, late.late) == (date(2026, 5, 1), False, True)
        assert party.name == "更に新社名"
        history = s.execute(select(PartyChange).where(PartyChange.field == "name")).scalars().all()
        assert [h.new_value for h in history] == ["新社名", "更に新社名"]


def test_cancellation_inside_minimum_term_charges_224000_on_a_closing_invoice(app):
    with system(app) as s:
        c = formed_contract(s)  # formed 2026-01-15, term ends 2027-01-14, 30,000 a month
        with pytest.raises(RuleViolation) as exc:  # notice in March reaches May 31 at the earliest
            contracts.notify_cancellation(s, None, c, date(2026, 3, 31), date(2026, 4, 30))
        assert exc.value.problems[0].params == {"notified": "2026-03-31", "earliest": "2026-05-31"}
        with pytest.raises(RuleViolation):
            contracts.notify_cancellation(s, None, c, date(2026, 3, 10), date(2026, 5, 30))
        charge = contracts.notify_cancellation(s, None, c, date(2026, 3, 10), date(2026, 5, 31))
        s.commit()
        assert charge == 224_000
        closing = s.execute(select(Invoice).where(Invoice.contract_id == c.id, Invoice.kind == "closing")).scalar_one()
        assert (closing.total, closing.due_on) == (224_000, date(2026, 5, 31))
        assert contracts.end_if_cancelled(c, date(2026, 6, 1)) and c.status == "cancelled"


def test_notice_on_april_first_reaches_june_30(app):
    with system(app) as s:
        c = formed_contract(s)
        with pytest.raises(RuleViolation):
            contracts.notify_cancellation(s, None, c, date(2026, 4, 1), date(2026, 5, 31))
        contracts.notify_cancellation(s, None, c, date(2026, 4, 1), date(2026, 6, 30))
        assert c.cancelled_on == date(2026, 6, 30)


def test_options_have_their_own_minimum_term_and_switch_on_monitoring(app):
    with system(app) as s:
        c = formed_contract(s)
        gold = add_option(s, None, c, "gold_support", date(2026, 3, 1), 20_000)
        assert gold.minimum_term_ends_on == date(2027, 2, 28)
        with pytest.raises(RuleViolation) as exc:
            add_option(s, None, c, "gold_support", date(2026, 4, 1), 20_000)
        assert exc.value.problems[0].field == "kind"
        with pytest.raises(RuleViolation):
            add_option(s, None, c, "no_such_option", date(2026, 4, 1), 1)
        assert monitoring_features(c, date(2026, 2, 1)) == {"ping", "disk_partition_90"}
        assert {"file_count_90", "db_size_90", "hourly_log_collection"} <= monitoring_features(c, date(2026, 3, 1))
        assert "inode_50" not in monitoring_features(c, date(2026, 3, 1))
        add_option(s, None, c, "platinum_support", date(2026, 3, 1), 50_000)
        assert "inode_50" in monitoring_features(c, date(2026, 3, 2))
        # Gold cancelled on 2026-05-31: its own term ends 2027-02-28, a month's last day, so the
        # rest is the 9 full months June 2026 – February 2027 (§6.3, §6.4)
        assert cancel_option(s, None, gold, date(2026, 3, 10), date(2026, 5, 31)) == 9 * 20_000
        assert monitoring_features(c, date(2026, 6, 1)) >= {"inode_50"}  # Platinum still on
        c.status = "cancelled"
        assert monitoring_features(c, date(2026, 6, 1)) == frozenset()
