"""Work requests, complaints, the annual report, the daily job and the mail job with a real
aiosmtpd server in the test process (managed terms §18, §29, §31)."""
from datetime import date

import pytest
from sqlalchemy import select

from tenants.contracts import report as contract_report
from tenants.contracts.work import (
    accept_work,
    complete_work,
    file_complaint,
    file_work_request,
    object_to_work,
    respond_to_complaint,
    start_work,
)
from tenants.errors import RuleViolation
from tenants.models import OutboxMail, WorkRequest
from tenants.outbox import rules as outbox_rules
from tests.contracts.helpers import formed_contract, system
from workers import runtime
from workers.jobs.contracts import daily_contracts
from workers.jobs.outbox import send_outbox


def _request(s, contract, requested_on):
    wr = file_work_request(s, None, contract, "SSL証明書の更新", "www の証明書", requested_on)
    return wr


def test_target_is_three_business_days_after_acceptance_and_overdue_is_flagged(app):
    with system(app) as s:
        c = formed_contract(s)
        wr = _request(s, c, date(2026, 12, 28))
        accept_work(s, None, wr, date(2026, 12, 29))  # Tuesday; 30 Dec – 3 Jan closed
        assert wr.target_on == date(2027, 1, 6)
        start_work(s, None, wr, date(2026, 12, 29))
        s.commit()
    assert daily_contracts(today="2027-01-06")["flagged_overdue"] == 0
    assert daily_contracts(today="2027-01-07")["flagged_overdue"] == 1
    with system(app) as s:
        assert s.get(WorkRequest, wr.id).overdue


def test_completion_mail_and_deemed_acceptance_on_2027_01_01(app, smtp_sink):
    with system(app) as s:
        c = formed_contract(s, email="ops@customer.example")
        wr = _request(s, c, date(2026, 12, 21))
        accept_work(s, None, wr, date(2026, 12, 22))  # target Friday 2026-12-25
        complete_work(s, None, wr, date(2026, 12, 25))  # Friday
        s.commit()
        wid = wr.id
    assert daily_contracts(today="2027-01-01")["deemed_accepted"] == 0  # objections still possible that day
    assert daily_contracts(today="2027-01-02")["deemed_accepted"] == 1
    assert daily_contracts(today="2027-01-03")["deemed_accepted"] == 0  # safe to run twice
    # the start-of-service notice, the completion notice, and a reminder to the demo's managed
    # customer, whose November invoice (due 2026-10-31) is still open
    assert send_outbox() == 3
    assert send_outbox() == 0
    assert sorted(rcpt[0] for rcpt, m in smtp_sink.messages) == [
        "keiri@sample-mfg.example.jp", "ops@customer.example", "ops@customer.example"]
    with system(app) as s:
        wr = s.get(WorkRequest, wid)
        assert (wr.status, wr.inspected_on, wr.met_target) == ("done", date(2027, 1, 1), True)
        mails = s.execute(select(OutboxMail).where(OutboxMail.kind == "work_completed")).scalars().all()
        assert len(mails) == 1 and mails[0].sent_at is not None
    completed = [m for rcpt, m in smtp_sink.messages if "作業完了" in m["Subject"]]
    assert len(completed) == 1 and completed[0]["To"] == "ops@customer.example"
    assert "2027-01-01" in completed[0].get_content()


def test_objection_within_a_week_reopens_and_a_late_one_is_refused(app):
    with system(app) as s:
        c = formed_contract(s)
        wr = _request(s, c, date(2026, 6, 1))
        accept_work(s, None, wr, date(2026, 6, 1))
        complete_work(s, None, wr, date(2026, 6, 2))
        with pytest.raises(RuleViolation):
            object_to_work(s, None, wr, date(2026, 6, 10), "表示が崩れる")
        object_to_work(s, None, wr, date(2026, 6, 9), "表示が崩れる")
        assert (wr.status, wr.completed_on, wr.first_completed_on) == ("in_progress", None, date(2026, 6, 2))
        assert [e.status for e in wr.events] == ["requested", "accepted", "completed", "objected"]


def test_mail_waits_when_the_smtp_host_is_down_and_goes_when_it_answers(app, closed_port, smtp_sink):
    with system(app) as s:
        formed_contract(s, email="wait@customer.example")
        s.commit()
    settings = runtime.settings()
    port = settings.smtp_port
    settings.smtp_port = closed_port.port
    assert send_outbox() == 0
    with system(app) as s:
        mail = s.execute(select(OutboxMail)).scalar_one()
        assert mail.sent_at is None and "SMTP connection failed" in mail.last_error
    settings.smtp_port = port
    assert send_outbox() == 1
    assert [rcpt for rcpt, _m in smtp_sink.messages] == [["wait@customer.example"]]


def test_complaint_record_and_annual_report(app):
    with system(app) as s:
        c = formed_contract(s)
        on_time = _request(s, c, date(2026, 3, 2))
        accept_work(s, None, on_time, date(2026, 3, 2))
        complete_work(s, None, on_time, date(2026, 3, 4))
        late = _request(s, c, date(2026, 3, 9))
        accept_work(s, None, late, date(2026, 3, 9))
        complete_work(s, None, late, date(2026, 3, 20))
        _request(s, c, date(2025, 12, 20)).requested_on = date(2025, 12, 20)
        complaint = file_complaint(s, None, c, "対応が遅い", "作業依頼の完了が遅れた", date(2026, 3, 21))
        with pytest.raises(RuleViolation):
            respond_to_complaint(s, None, complaint, "answered", "", date(2026, 3, 22))
        respond_to_complaint(s, None, complaint, "answered", "手順を見直しました", date(2026, 3, 23))
        s.flush()
        report = contract_report.annual_report(s, c, 2026)
        assert (report.work_requests, report.work_completed, report.work_met_target, report.complaints) == (2, 2, 1, 1)
        assert not report.monitoring_available
        assert "no monitoring data available" in contract_report.report_csv(report)
        # with monitoring data: tests/contracts/test_contract_integration.py


def test_daily_job_forms_on_billing_start_starts_scheduled_suspensions_and_ends_cancelled(app):
    from datetime import datetime, timedelta, timezone

    from tenants.contracts import lifecycle as contracts
    from tenants.contracts.suspension import suspend
    from tenants.models import Contract

    with system(app) as s:
        later = formed_contract(s, billing_start=date(2026, 2, 1))
        later.status = "notified"  # re-confirm as of an earlier day: formation waits for 2026-02-01
        contracts.confirm(s, None, later, date(2026, 2, 1), today=date(2026, 1, 20))
        running = formed_contract(s)
        now = datetime(2026, 3, 1, tzinfo=timezone.utc)
        suspend(s, None, running, ground="non_payment", reason="", starts_at=now + timedelta(days=5),
                ends_at=now + timedelta(days=20), emergency=False, now=now)
        contracts.notify_cancellation(s, None, running, date(2026, 3, 10), date(2026, 5, 31))
        s.commit()
        ids = later.id, running.id
    assert daily_contracts(today="2026-01-31", now=datetime(2026, 3, 1, tzinfo=timezone.utc))["formed"] == 0
    result = daily_contracts(today="2026-02-01", now=datetime(2026, 3, 6, tzinfo=timezone.utc))
    assert (result["formed"], result["suspensions_started"]) == (1, 1)
    with system(app) as s:
        assert [s.get(Contract, i).status for i in ids] == ["formed", "suspended"]
    assert daily_contracts(today="2026-06-01")["cancelled"] == 1
    with system(app) as s:
        assert s.get(Contract, ids[1]).status == "cancelled"


def test_a_mail_that_cannot_be_built_is_given_up_and_the_others_still_go(app, smtp_sink, as_provider):
    """A subject with a line break (queued before subjects were folded, or by any other writer)
    cannot be put in a mail header: that mail is failed with its reason, the queue moves on."""
    with system(app) as s:
        c = formed_contract(s, email="ops@customer.example")  # queues the start-of-service notice
        s.flush()
        for subject in ("【作業完了のお知らせ】DNS変更\r\nBcc: someone@else.example", "【作業完了のお知らせ】証明書更新"):
            s.add(OutboxMail(contract_id=c.id, reseller_id=c.reseller_id, kind="work_completed",
                             recipient="ops@customer.example", subject=subject, body="完了しました。\n"))
        s.commit()
        contract_id = c.id
    assert send_outbox() == 2
    subjects = [m["Subject"] for _rcpt, m in smtp_sink.messages]
    assert len(subjects) == 2 and "【作業完了のお知らせ】証明書更新" in subjects
    assert all(rcpt == ["ops@customer.example"] for rcpt, _m in smtp_sink.messages)
    with system(app) as s:
        bad = s.execute(select(OutboxMail).where(OutboxMail.subject.contains("DNS"))).scalar_one()
        assert bad.sent_at is None and bad.given_up_at is not None and bad.attempts == 1
        assert "line break" in bad.last_error and "subject" in bad.last_error
    assert send_outbox() == 0  # never picked again
    with system(app) as s:
        assert s.execute(select(OutboxMail).where(OutboxMail.subject.contains("DNS"))).scalar_one().attempts == 1
    page = as_provider.get(f"/admin/contracts/{contract_id}").get_data(as_text=True)
    assert 'class="badge failed"' in page and "the subject contains a line break" in page
    assert len(smtp_sink.messages) == 2


def test_a_work_request_title_with_a_line_break_gives_a_one_line_subject(app, smtp_sink):
    with system(app) as s:
        c = formed_contract(s, email="ops@customer.example")
        wr = file_work_request(s, None, c, "DNS変更\r\nBcc: someone@else.example", "", date(2026, 3, 2))
        accept_work(s, None, wr, date(2026, 3, 2))
        complete_work(s, None, wr, date(2026, 3, 3))
        s.commit()
    assert send_outbox() == 2
    subjects = [m["Subject"] for _rcpt, m in smtp_sink.messages]
    assert "【作業完了のお知らせ】DNS変更 Bcc: someone@else.example" in subjects
    assert all(m["Bcc"] is None for _rcpt, m in smtp_sink.messages)


def test_a_mail_the_smtp_host_keeps_refusing_is_given_up_after_the_last_attempt(app, smtp_sink, as_provider):
    with system(app) as s:
        contract_id = formed_contract(s, email="busy@customer.example").id
        s.commit()
    smtp_sink.refuse = True
    for attempt in range(1, outbox_rules.MAX_ATTEMPTS + 1):
        assert send_outbox() == 0
        with system(app) as s:
            mail = s.execute(select(OutboxMail)).scalar_one()
            assert mail.attempts == attempt and "451" in mail.last_error
            assert (mail.given_up_at is not None) == (attempt == outbox_rules.MAX_ATTEMPTS)
    assert f"given up after {outbox_rules.MAX_ATTEMPTS} attempts" in mail.last_error
    smtp_sink.refuse = False
    assert send_outbox() == 0 and smtp_sink.messages == []
    page = as_provider.get(f"/admin/contracts/{contract_id}").get_data(as_text=True)
    assert 'class="badge failed"' in page and "given up after" in page
