"""Incidents from the monitoring state (OEM spec 障害対応): one per outage, opened when a service is
DOWN, closed when it answers again; the fault-contact notices planned for them; the timeline.

Everything here reads the stored state (tenants.models.ServiceState), never a probe, so running it
twice or on two workers at once opens one incident, plans one notice per recipient and kind, and
closes once (unique keys decide who wins; the loser's insert is rolled back and ignored).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tenants.calendar import HELPDESK_HOURS_TEXT_JA, to_jst
from tenants.contracts.models import Contract
from tenants.customers.models import CustomerStatus
from tenants.incidents import fault_reports, host_outage, webhooks
from tenants.incidents.deadlines import NOTIFY_AFTER, outage_notice_due
from tenants.incidents.models import EntryKind, IncidentKind, IncidentStatus
from tenants.incidents.timeline import add_entry
from tenants.models import (
    Customer,
    Incident,
    IncidentEntry,
    MonitoredEndpoint,
    OutboxMail,
    ResellerContact,
    Server,
    ServiceState,
    StateEvent,
)
from tenants.monitoring.endpoints import in_maintenance
from tenants.monitoring.state import DOWN, UP
from tenants.outbox import rules as outbox
from tenants.servers.models import ServerKind


@dataclass(frozen=True)
class Recipient:
    email: str
    label: str


def insert_once(session, obj) -> bool:
    """Insert ``obj`` unless a unique key says another run already did; True when ours."""
    try:
        with session.begin_nested():
            session.add(obj)
            session.flush()
        return True
    except IntegrityError:
        return False


def _alerting_down(session, state: ServiceState, now: datetime) -> bool:
    """A DOWN that happened in a maintenance window (or is a service's very first verdict) is
    recorded by monitoring without an alert; it opens no incident while the window lasts. A service
    still down once the window is over is an outage like any other."""
    event = session.execute(select(StateEvent).where(
        StateEvent.endpoint_id == state.endpoint_id, StateEvent.to_state == DOWN,
        StateEvent.at == state.since).order_by(StateEvent.id.desc()).limit(1)).scalar()
    if event is None or event.alert:
        return True
    return event.in_maintenance and not in_maintenance(session, state.server_id, now)


def open_incidents(session, server_id: int) -> list[Incident]:
    return list(session.execute(select(Incident).where(
        Incident.server_id == server_id, Incident.status == IncidentStatus.OPEN).order_by(Incident.id)).scalars())


# OEM spec 障害対応: one incident per outage, opened at DOWN, closed when the service answers again;
# issue 20: a host outage (no ping, or every service down) is ONE incident (tenants.incidents.host_outage)
def sync_incidents(session, server_id: int, now: datetime) -> tuple[list[Incident], list[Incident]]:
    """Open an incident for every alerting DOWN service without one, close the open incidents of
    services that are UP again; while the host is down, one host incident and its services
    recorded as affected instead. Returns (opened, closed) by this call."""
    states = session.execute(select(ServiceState, MonitoredEndpoint).join(
        MonitoredEndpoint, MonitoredEndpoint.id == ServiceState.endpoint_id).where(
        ServiceState.server_id == server_id).order_by(MonitoredEndpoint.id)).all()
    open_by_endpoint = {i.endpoint_id: i for i in open_incidents(session, server_id)}
    opened: list[Incident] = []
    closed: list[Incident] = []
    view = host_outage.host_view(states)
    if view.down:
        host, new = host_outage.open_host_incident(session, server_id, view, open_by_endpoint,
                                                   lambda st: _alerting_down(session, st, now), now, insert_once)
        if host is not None:
            opened += [host] if new else []
            host_outage.fold_services(session, host, view, open_by_endpoint, now)
            session.flush()
            return opened, closed
    host = next((i for i in open_by_endpoint.values() if i.kind == IncidentKind.HOST), None)
    if host is not None and not view.down:
        back = host_outage.returned_at(host, view, now)
        host_outage.finish_affected(session, host, view, back)
        if close_incident(session, host, back, "host answering again"):
            closed.append(host)
        open_by_endpoint = {k: v for k, v in open_by_endpoint.items() if v.id != host.id}
    for state, endpoint in states:
        incident = open_by_endpoint.get(endpoint.id)
        if state.state == DOWN and incident is None and _alerting_down(session, state, now):
            split = host_outage.split_start(session, endpoint.id, state)
            started = split[0] if split else (state.failing_since or state.since or now)
            new_incident = Incident(server_id=server_id, endpoint_id=endpoint.id, subject=endpoint.label,
                                    kind=IncidentKind.HOST if endpoint.protocol == "icmp" else IncidentKind.SERVICE,
                                    started_at=started, detected_at=max(state.since or now, started),
                                    reason=(state.last_reason or "")[:200])
            if insert_once(session, new_incident):
                add_entry(session, new_incident, new_incident.detected_at, EntryKind.DETECTED,
                          f"{endpoint.label} DOWN: {state.last_reason or ''}".strip())
                if split:
                    host_outage.mark_split(session, endpoint.id, split[1], new_incident, started)
                opened.append(new_incident)
        elif state.state == UP and incident is not None:
            if close_incident(session, incident, state.since or now, state.last_reason or ""):
                closed.append(incident)
    session.flush()
    return opened, closed


def close_incident(session, incident: Incident, recovered_at: datetime, detail: str = "") -> bool:
    """Close once (a conditional UPDATE: of two workers exactly one closes) and draft the report."""
    done = session.execute(update(Incident).where(Incident.id == incident.id, Incident.status == IncidentStatus.OPEN)
                           .values(status=IncidentStatus.CLOSED, recovered_at=recovered_at)
                           .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        return False
    session.refresh(incident)
    add_entry(session, incident, recovered_at, EntryKind.RECOVERED, f"{incident.subject} answering again {detail}".strip())
    fault_reports.draft_report(session, incident)
    return True


# managed terms 障害連絡 (夜間・休日はまず緊急連絡先): the emergency contact of the customer whose
# running managed contract covers the server
def contract_emergency_contacts(session, server: Server) -> list[Recipient]:
    out: list[Recipient] = []
    for contract in session.execute(select(Contract).where(Contract.server_id == server.id)).scalars():
        if contract.is_running:
            texts = (contract.party.emergency_contact or "", str((contract.initial_settings or {}).get("emergency_contact", "")))
            for text in texts:
                for email in EMAIL_IN_TEXT.findall(text):
                    if all(r.email != email for r in out):
                        out.append(Recipient(email, f"{contract.party.name} ({text})"))
    return out


EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Where a managed server's emergency contact is found; the first source that answers is used.
MANAGED_EMERGENCY_SOURCES: list = [contract_emergency_contacts]


# OEM spec 障害連絡 (the contacts of every reseller with customers on the server);
# managed terms 障害連絡 (夜間・休日はまず緊急連絡先)
def fault_recipients(session, server: Server) -> list[Recipient]:
    """Who is told of an outage of ``server``. OEM: the registered fault contacts of every reseller
    with customers on it. Managed: the customer's emergency contact from MANAGED_EMERGENCY_SOURCES;
    until one is registered, the reseller contacts marked ``is_emergency`` of the resellers with
    customers on the server stand for it."""
    if server.kind == ServerKind.MANAGED:
        for source in MANAGED_EMERGENCY_SOURCES:
            found = source(session, server)
            if found:
                return list(found)
    resellers = select(Customer.reseller_id).where(
        Customer.server_id == server.id, Customer.status != CustomerStatus.CANCELLED.value)
    query = select(ResellerContact).where(ResellerContact.reseller_id.in_(resellers))
    if server.kind == ServerKind.MANAGED:
        query = query.where(ResellerContact.is_emergency.is_(True))
    seen, out = set(), []
    for contact in session.execute(query.order_by(ResellerContact.reseller_id, ResellerContact.sort_order,
                                                  ResellerContact.id)).scalars():
        email = contact.email.strip().lower()
        if email and email not in seen:
            seen.add(email)
            out.append(Recipient(email, f"{contact.name} ({contact.reseller.name})"))
    return out


def _notice_text(incident: Incident, server: Server, kind: str, now: datetime,
                 affected: list[str] | None = None) -> tuple[str, str]:
    started = to_jst(incident.started_at).strftime("%Y-%m-%d %H:%M")
    what_ja = what_en = incident.subject
    if incident.kind == IncidentKind.HOST:  # issue 20: the one notice of a host outage names its services
        what_ja, what_en = "サーバ全体", "The whole server"
    if kind == "outage":
        subject = f"[障害/Outage] {server.hostname} {incident.subject}"
        lines = [f"{server.hostname} の {what_ja} が {started} (JST) から利用できません。",
                 "復旧作業を行っています。復旧しましたら改めてご連絡します。", "",
                 f"{what_en} on {server.hostname} has been unavailable since {started} JST.",
                 "We are working on it and will tell you when it is back."]
    else:
        recovered = to_jst(incident.recovered_at or now).strftime("%Y-%m-%d %H:%M")
        subject = f"[復旧/Recovered] {server.hostname} {incident.subject}"
        lines = [f"{server.hostname} の {what_ja} は {recovered} (JST) に復旧しました "
                 f"(障害発生 {started})。障害報告書は後日お送りします。", "",
                 f"{what_en} on {server.hostname} is answering again since {recovered} JST "
                 f"(down since {started}). The fault report follows."]
    if affected:
        lines += ["", f"影響を受けたサービス / Services affected: {', '.join(affected)}"]
    lines += ["", f"Incident #{incident.id}", f"ヘルプデスク / Help desk: {HELPDESK_HOURS_TEXT_JA}"]
    return subject, "\n".join(lines)


def plan_notice(session, server_id: int, subject_key: str, kind: str, recipient: Recipient, subject: str,
                body: str, incident_id: int | None = None) -> OutboxMail | None:
    """One notice in the outbox per (subject, kind, recipient); None when it is queued already."""
    return outbox.queue(session, kind, recipient.email, subject, body, key=subject_key, label=recipient.label,
                        server_id=server_id, incident_id=incident_id)


# OEM spec 障害連絡: 10分以上 → 速やかに連絡; one outage and one recovery notice per incident
def plan_incident_notices(session, server_id: int, now: datetime,
                          notify_after: timedelta = NOTIFY_AFTER, oncall_url: str = "") -> list[OutboxMail]:
    """Plan the outage notice of every open incident down for ``notify_after`` or more, and the
    recovery notice of every closed incident whose outage was notified."""
    server = session.get(Server, server_id)
    planned: list[OutboxMail] = []
    notified = select(OutboxMail.incident_id).where(OutboxMail.server_id == server_id, OutboxMail.kind == "outage")
    recovered = select(OutboxMail.incident_id).where(OutboxMail.server_id == server_id,
                                                     OutboxMail.kind == "recovery")
    incidents = session.execute(select(Incident).where(Incident.server_id == server_id).where(
        (Incident.status == IncidentStatus.OPEN) | (Incident.id.in_(notified) & Incident.id.not_in(recovered)
                                                    & (Incident.status != IncidentStatus.MERGED)))
        .order_by(Incident.id)).scalars().all()
    for incident in incidents:
        key = f"incident:{incident.id}"
        if incident.is_open:
            if not outage_notice_due(incident.started_at, now, notify_after):
                continue
            have = set(session.execute(select(OutboxMail.recipient).where(
                OutboxMail.dedup_key == key, OutboxMail.kind == "outage")).scalars())
            recipients = fault_recipients(session, server)
            if not recipients and not have:
                _record_unreachable(session, incident, now)
                continue
            affected = host_outage.affected_labels(session, incident)
            subject, body = _notice_text(incident, server, "outage", now, affected)
            planned += [n for r in recipients if r.email not in have
                        for n in [plan_notice(session, server_id, key, "outage", r, subject, body, incident.id)] if n]
            # issue 20: the same notice as a signed JSON webhook (provider's on-call, contacts with one)
            planned += webhooks.queue_hooks(session, webhooks.hooks_for(session, server, oncall_url), server_id, key,
                                            "outage", subject,
                                            webhooks.payload(incident, server, "outage", subject, body, affected),
                                            incident.id, have)
        else:
            outage_to = session.execute(select(OutboxMail).where(
                OutboxMail.dedup_key == key, OutboxMail.kind == "outage")).scalars().all()
            have = set(session.execute(select(OutboxMail.recipient).where(
                OutboxMail.dedup_key == key, OutboxMail.kind == "recovery")).scalars())
            affected = host_outage.affected_labels(session, incident)
            subject, body = _notice_text(incident, server, "recovery", now, affected)
            hooks = [webhooks.Hook(o.recipient, o.recipient_label) for o in outage_to if o.channel == webhooks.CHANNEL]
            planned += webhooks.queue_hooks(session, hooks, server_id, key, "recovery", subject,
                                            webhooks.payload(incident, server, "recovery", subject, body, affected),
                                            incident.id, have)
            outage_to = [o for o in outage_to if o.channel != webhooks.CHANNEL]
            planned += [n for o in outage_to if o.recipient not in have
                        for n in [plan_notice(session, server_id, key, "recovery", Recipient(o.recipient, o.recipient_label),
                                              subject, body, incident.id)] if n]
    session.flush()
    return planned


def _record_unreachable(session, incident: Incident, now: datetime) -> None:
    # managed terms: if the emergency contact cannot be reached, that is recorded
    already = session.execute(select(IncidentEntry.id).where(
        IncidentEntry.incident_id == incident.id, IncidentEntry.kind == EntryKind.UNREACHABLE)).first()
    if already is None:
        add_entry(session, incident, now, EntryKind.UNREACHABLE, "no registered fault contact to notify", ok=False)


def note_delivery(session, mail: OutboxMail, now: datetime, error: str | None) -> None:
    """Every attempt at an incident's notice is a line in its timeline."""
    incident = session.get(Incident, mail.incident_id)
    kind = EntryKind.NOTIFIED if error is None else EntryKind.NOTIFY_FAILED
    add_entry(session, incident, now, kind, f"{mail.kind} notice to {mail.recipient}"
              + (f": {error}" if error else ""), ok=error is None)


def note_host_key_refused(session, server_id: int, at: datetime, detail: str) -> int:
    """The panel refused to talk to the server: it answered with another host key than the one
    pinned at registration (DESIGN.md: never accepted silently). Written once into the timeline of
    each open incident of the server, so whoever follows the incident sees why nothing more
    happens on the server; returns how many timelines got it."""
    noted = 0
    for incident in open_incidents(session, server_id):
        seen = session.execute(select(IncidentEntry.id).where(IncidentEntry.incident_id == incident.id,
                                                              IncidentEntry.kind == "host_key")).first()
        if seen is None:
            add_entry(session, incident, at, "host_key", detail, ok=False)
            noted += 1
    return noted
