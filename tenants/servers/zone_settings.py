"""The provider's zone settings of a server (issue 16 item 6): its IPv6 address, its mail host and
the record template of a new domain's zone (tenants/hosting/zone_template.py), checked as typed."""
from __future__ import annotations

import ipaddress

from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting import hostnames, zone_template

ZONE_FIELDS = ("ipv6_address", "mail_host", "zone_template")


def zone_problems(data: dict) -> list[Problem]:
    problems: list[Problem] = []
    ipv6 = (data.get("ipv6_address") or "").strip()
    if ipv6:
        try:
            ipaddress.IPv6Address(ipv6)
        except ValueError:
            problems.append(Problem(N_("Enter an IPv6 address such as 2001:db8::10."), "ipv6_address"))
    mail_host = (data.get("mail_host") or "").strip()
    if mail_host:
        try:
            hostnames.host_name(mail_host, "mail_host")
        except RuleViolation as exc:
            problems.extend(exc.problems)
    try:
        zone_template.check_template(data.get("zone_template"))
    except RuleViolation as exc:
        problems.extend(exc.problems)
    return problems


def zone_value(name: str, value):
    """What is stored: None for an empty field (the default applies), the checked form otherwise."""
    if name == "zone_template":
        return zone_template.check_template(value)
    text = (value or "").strip()
    if not text:
        return None
    return str(ipaddress.IPv6Address(text)) if name == "ipv6_address" else hostnames.host_name(text, name)
