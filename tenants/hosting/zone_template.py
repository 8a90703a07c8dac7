"""A new domain's zone on day one (issue 16 item 6): the records the server's template gives it —
by default A/AAAA for the server's address at the apex and ``www``, MX to the server's mail host
and an SPF record — saved as the domain's own DNS records, which the end user then changes like
any other (enduser DNS screen).

The provider edits the template per server (provider server screen): one record per line,
``name TYPE value``, e.g. ``www A {ipv4}`` or ``@ TXT "v=spf1 mx a ~all"``; ``#`` starts a comment.
Placeholders: {domain} (the new domain), {ipv4}, {ipv6} (the server's addresses), {mail_host}
(the server's mail host, else its host name) and {hostname}. A line whose placeholder has no value
on that server (no IPv6 address) is left out. A template is refused unless every line is a valid
record for a sample domain, with the line's number and the record rule's own message."""
from __future__ import annotations

import ipaddress
import re
from typing import Mapping

from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting import dns_records

DEFAULT_TEMPLATE = """@ A {ipv4}
@ AAAA {ipv6}
www A {ipv4}
www AAAA {ipv6}
@ MX 10 {mail_host}.
@ TXT "v=spf1 mx a ~all"
"""
PLACEHOLDERS = ("domain", "ipv4", "ipv6", "mail_host", "hostname")
MAX_LINES = 50
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
SAMPLE = {"domain": "example.com", "ipv4": "192.0.2.10", "ipv6": "2001:db8::10", "mail_host": "mail.example.net",
          "hostname": "web01.example.net"}


def _lines(template: str) -> list[tuple[int, str]]:
    out = []
    for number, line in enumerate((template or "").splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append((number, line))
    return out


def _fill(line: str, values: Mapping[str, str | None]) -> str | None:
    """The line with its placeholders filled; None when one has no value on this server."""
    missing = False

    def one(match):
        nonlocal missing
        value = values.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return value

    filled = _PLACEHOLDER.sub(one, line)
    return None if missing else filled


def _record(domain: str, line: str) -> dns_records.Record:
    parts = line.split(None, 2)
    if len(parts) != 3:
        raise RuleViolation.one(N_("Write each record as: name TYPE value."), "value")
    name, rtype, value = parts
    return dns_records.validate_record(domain, name, rtype, value)


def check_template(template: str | None, field: str = "zone_template") -> str | None:
    """The template as saved (None: the default one), or RuleViolation naming the bad line."""
    if template is None or not template.strip():
        return None
    template = template.replace("\r\n", "\n").strip() + "\n"
    lines = _lines(template)
    if len(lines) > MAX_LINES:
        raise RuleViolation.one(N_("A template may have at most %(n)s records."), field, n=MAX_LINES)
    records = []
    for number, line in lines:
        unknown = [name for name in _PLACEHOLDER.findall(line) if name not in PLACEHOLDERS]
        if unknown:
            raise RuleViolation.one(N_("Line %(line)s: unknown placeholder {%(name)s}; use %(known)s."), field,
                                    line=number, name=unknown[0],
                                    known=", ".join("{" + p + "}" for p in PLACEHOLDERS))
        try:
            records.append(_record(SAMPLE["domain"], _fill(line, SAMPLE) or ""))
        except RuleViolation as exc:
            raise RuleViolation(Problem(N_("Line %(line)s: %(message)s"), field,
                                        {"line": number, "message": exc.problems[0].render()})) from None
    try:
        dns_records.check_record_set(SAMPLE["domain"], records)
    except RuleViolation as exc:
        raise RuleViolation(Problem(N_("The records do not fit together: %(message)s"), field,
                                    {"message": exc.problems[0].render()})) from None
    return template


def server_values(server, domain: str) -> dict[str, str | None]:
    """The placeholders' values for one domain on one server."""
    try:
        address = ipaddress.ip_address((server.address or "").strip())
    except ValueError:
        address = None
    ipv4 = str(address) if isinstance(address, ipaddress.IPv4Address) else None
    ipv6 = server.ipv6_address or (str(address) if isinstance(address, ipaddress.IPv6Address) else None)
    mail_host = server.mail_host or server.hostname
    # a one-label host ("localhost") would read as a name inside the zone: no MX then
    return {"domain": domain, "ipv4": ipv4, "ipv6": ipv6, "mail_host": mail_host if "." in mail_host else None,
            "hostname": server.hostname}


def initial_records(server, domain: str) -> list[dns_records.Record]:
    """The records a new domain's zone starts with on this server (a line that does not make a
    valid record for this domain, or repeats one, is left out: the domain is still added)."""
    records: list[dns_records.Record] = []
    values = server_values(server, domain)
    for _number, line in _lines(server.zone_template or DEFAULT_TEMPLATE):
        filled = _fill(line, values)
        if filled is None:
            continue
        try:
            record = _record(domain, filled)
            dns_records.check_record_set(domain, records + [record])
        except RuleViolation:
            continue
        records.append(record)
    return records
