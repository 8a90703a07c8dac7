"""issue 20: incident notices as a signed JSON webhook, to the provider's on-call and to a fault
contact with a webhook, received by a real HTTP server in the test that checks the HMAC-SHA256
signature with its own secret (and refuses anything else)."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.incidents.webhooks import set_webhook
from tenants.models import ResellerContact
from tests.incidents.helpers import add_contacts, add_endpoint, incidents, record_cycle, system, timeline
from tests.servers.process import free_ports
from workers.jobs.incidents.cycle import after_cycle, sweep

T = datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc)  # Saturday 23:00 JST
MIN = timedelta(minutes=1)
ONCALL_SECRET, CONTACT_SECRET = "oncall-secret-0123456789", "contact-secret-9876543210"


class Receiver(ThreadingHTTPServer):
    def __init__(self, port: int):
        super().__init__(("127.0.0.1", port), Handler)
        self.secrets = {"/oncall": ONCALL_SECRET, "/demo": CONTACT_SECRET}
        self.valid: list[tuple[str, dict]] = []
        self.invalid: list[str] = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        stamp = self.headers.get("X-Panel-Timestamp", "")
        secret = self.server.secrets.get(self.path, "")
        expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
        if secret and fresh and hmac.compare_digest(expected, self.headers.get("X-Panel-Signature", "")):
            self.server.valid.append((self.path, json.loads(body)))
            self.send_response(204)
        else:
            self.server.invalid.append(self.path)
            self.send_response(401)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(app):
    server = Receiver(free_ports(1)[0])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    settings = app.config["SETTINGS"]
    settings.oncall_webhook_url = settings.oncall_webhook_secret = ""
    server.shutdown()
    server.server_close()


def test_outage_and_recovery_reach_the_on_call_and_the_contact_signed(app, world, mailbox, receiver):
    base = f"http://127.0.0.1:{receiver.server_address[1]}"
    settings = app.config["SETTINGS"]
    settings.oncall_webhook_url, settings.oncall_webhook_secret = f"{base}/oncall", ONCALL_SECRET
    add_contacts(app, world)
    with system(app) as s:
        contact = s.execute(select(ResellerContact).where(ResellerContact.email == "noc@demo.example")).scalar()
        set_webhook(SecretBox(settings.encryption_keys), contact, f"{base}/demo", CONTACT_SECRET)
        s.commit()
    eid = add_endpoint(app, world.server, free_ports(1)[0], threshold=1)
    record_cycle(app, world.server, eid, T - 10 * MIN, up=True)
    record_cycle(app, world.server, eid, T, up=False)
    after_cycle(world.server, T.isoformat(), T.isoformat())
    sweep((T + 10 * MIN).isoformat())
    sweep((T + 11 * MIN).isoformat())
    [incident] = incidents(app, eid)
    assert receiver.invalid == []
    assert sorted(path for path, _ in receiver.valid) == ["/demo", "/oncall"]  # once each
    doc = receiver.valid[0][1]
    assert doc["event"] == "outage" and doc["incident"] == incident.id and doc["started_at"] == "2026-11-21T23:00+09:00"
    assert len(mailbox.messages) == 2  # the e-mail goes on as before

    record_cycle(app, world.server, eid, T + 20 * MIN, up=True)
    after_cycle(world.server, (T + 20 * MIN).isoformat(), (T + 21 * MIN).isoformat())
    recovery = [(p, d) for p, d in receiver.valid if d["event"] == "recovery"]
    assert sorted(p for p, _ in recovery) == ["/demo", "/oncall"] and receiver.invalid == []
    assert recovery[0][1]["recovered_at"] == "2026-11-21T23:20+09:00"
    assert [k for k, _ in timeline(app, incident.id)].count("notified") == 2 * 2 + 2 * 2


def test_a_receiver_that_refuses_the_signature_is_recorded_and_retried(app, world, mailbox, receiver):
    base = f"http://127.0.0.1:{receiver.server_address[1]}"
    settings = app.config["SETTINGS"]
    settings.oncall_webhook_url, settings.oncall_webhook_secret = f"{base}/oncall", "not-the-receivers-secret"
    eid = add_endpoint(app, world.server, free_ports(1)[0], threshold=1)
    add_contacts(app, world)
    record_cycle(app, world.server, eid, T - 10 * MIN, up=True)
    record_cycle(app, world.server, eid, T, up=False)
    after_cycle(world.server, T.isoformat(), T.isoformat())
    sweep((T + 10 * MIN).isoformat())
    assert receiver.valid == [] and receiver.invalid == ["/oncall"]
    [incident] = incidents(app, eid)
    assert ("notify_failed", False) in timeline(app, incident.id)
    settings.oncall_webhook_secret = ONCALL_SECRET  # the provider fixes the secret: the retry goes through
    sweep((T + 11 * MIN).isoformat())
    assert [p for p, _ in receiver.valid] == ["/oncall"]


def test_provider_gives_a_fault_contact_a_webhook(app, world, as_provider):
    """The secret is sealed to the contact, kept when the contacts are saved again without it; a
    bad address or a short secret is refused with a message and nothing is saved."""
    from tenants.incidents.webhooks import secret_owner

    url = f"/admin/resellers/{world.demo}/contacts"
    as_provider.get("/lang/en")
    row = {"contacts-0-name": "NOC", "contacts-0-email": "noc@demo.example", "contacts-0-webhook_url": "ftp://x"}
    bad = as_provider.post(url, data={**row, "contacts-0-webhook_secret": "short"})
    assert bad.status_code == 400 and "webhook" in bad.get_data(as_text=True)
    with system(app) as s:
        assert s.execute(select(ResellerContact).where(ResellerContact.reseller_id == world.demo)).first() is None
    row["contacts-0-webhook_url"] = "https://hooks.demo.example/panel"
    assert as_provider.post(url, data={**row, "contacts-0-webhook_secret": CONTACT_SECRET}).status_code == 302
    assert as_provider.post(url, data={**row, "contacts-0-name": "NOC 24h"}).status_code == 302  # secret kept
    box = SecretBox(app.config["SETTINGS"].encryption_keys)
    with system(app) as s:
        [contact] = s.execute(select(ResellerContact).where(ResellerContact.reseller_id == world.demo)).scalars()
        assert contact.name == "NOC 24h" and contact.webhook_url == "https://hooks.demo.example/panel"
        assert CONTACT_SECRET not in contact.webhook_secret
        assert box.open(contact.webhook_secret, owner=secret_owner(contact.id), field="webhook_secret") == CONTACT_SECRET
