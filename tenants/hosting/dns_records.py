"""DNS records a customer may publish in their zone: A, AAAA, CNAME, MX, TXT, SRV and CAA.

``validate_record`` turns what a user typed into a normalised ``Record`` or raises RuleViolation;
``check_record_set`` checks rules that need the whole zone (CNAME alone at its name, no
duplicates); ``zone_rdata`` gives the BIND presentation form the zone renderer writes.

Normalised forms (``Record.value``):
  A / AAAA   the address (AAAA compressed)          CNAME  target FQDN with trailing dot
  MX         "<preference> <exchange FQDN.>"        SRV    "<priority> <weight> <port> <target FQDN.>"
  TXT        the text itself, unquoted               CAA    '<flags> <tag> "<value>"'
Owner names are relative to the zone, ``@`` for the apex, ASCII (IDN labels as punycode).
Targets typed without any dot are taken as names inside the zone (``mail`` → ``mail.<zone>.``),
``@`` is the apex, anything with a dot is a full name.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TypedDict

from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting.hostnames import to_ascii

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA")
TTL_MIN, TTL_MAX, TTL_DEFAULT = 60, 604800, 3600
TXT_MAX_BYTES = 4000
CAA_TAGS = ("issue", "issuewild", "iodef", "issuemail", "issuevmc")
SRV_PROTOCOLS = ("_tcp", "_udp", "_tls", "_sctp")
_HOST_OWNER_TYPES = ("A", "AAAA", "MX")  # BIND check-names: owner must be a host name
_QUOTED_CHUNKS = re.compile(r'^\s*(?:"(?:[^"\\]|\\.)*"\s*)+$')
_CHUNK = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SERVICE_LABEL = re.compile(r"^_[a-z0-9](?:[a-z0-9-]{0,13}[a-z0-9])?$")


class _OwnerRules(TypedDict):
    """The to_ascii options an owner name of one record type is checked with."""
    allow_wildcard: bool
    allow_underscore: bool
    min_labels: int


@dataclass(frozen=True)
class Record:
    name: str
    type: str
    value: str
    ttl: int = TTL_DEFAULT


def _fail(msgid: str, field: str, **params) -> RuleViolation:
    return RuleViolation.one(msgid, field, **params)


def zone_origin(zone: str, field: str = "zone") -> str:
    """The ASCII origin of a zone (a domain, no wildcard, no trailing dot)."""
    return to_ascii(zone, field)


def relative_name(zone: str, name: str, rtype: str = "TXT", field: str = "name") -> str:
    """The owner name relative to ``zone`` ('@' for the apex); ``zone`` must be normalised.

    ``www``, ``www.example.com`` and ``www.example.com.`` all mean www in zone example.com.
    """
    name = (name or "").strip()
    if name in ("", "@"):
        return "@"
    options = _OwnerRules(allow_wildcard=rtype != "SRV", allow_underscore=rtype not in _HOST_OWNER_TYPES, min_labels=1)
    if name.endswith("."):
        full = to_ascii(name, field, **options)
        if full != zone and not full.endswith("." + zone):
            raise _fail(N_("The name %(name)s is outside the zone %(zone)s."), field, name=name, zone=zone)
    else:
        full = to_ascii(f"{name}.{zone}", field, **options)
    relative = "@" if full == zone else full[: -len(zone) - 1]
    if relative == zone:
        return "@"
    if relative.endswith("." + zone):
        relative = relative[: -len(zone) - 1]
    return relative


def fqdn(zone: str, relative: str) -> str:
    """The absolute owner name (with trailing dot) of a relative name in ``zone``."""
    return f"{zone}." if relative == "@" else f"{relative}.{zone}."


def _ttl(ttl) -> int:
    if ttl is None or ttl == "":
        return TTL_DEFAULT
    if isinstance(ttl, bool):
        raise _fail(N_("The TTL must be a whole number of seconds."), "ttl")
    if isinstance(ttl, str):
        if not ttl.strip().isdigit():
            raise _fail(N_("The TTL must be a whole number of seconds."), "ttl")
        ttl = int(ttl.strip())
    if not isinstance(ttl, int):
        raise _fail(N_("The TTL must be a whole number of seconds."), "ttl")
    if not TTL_MIN <= ttl <= TTL_MAX:
        raise _fail(N_("The TTL must be between %(min)s and %(max)s seconds."), "ttl", min=TTL_MIN, max=TTL_MAX)
    return ttl


_NUMBER_MSGIDS = {
    "flags": N_("The flags must be a whole number from 0 to %(max)s."),
    "priority": N_("The priority must be a whole number from 0 to %(max)s."),
    "preference": N_("The preference must be a whole number from 0 to %(max)s."),
    "weight": N_("The weight must be a whole number from 0 to %(max)s."),
    "port": N_("The port must be a whole number from 0 to %(max)s."),
}


def _uint(text: str, maximum: int, what: str, field: str) -> int:
    if not re.fullmatch(r"[0-9]{1,5}", text or "") or int(text) > maximum:
        raise _fail(_NUMBER_MSGIDS[what], field, max=maximum)
    return int(text)


def _target(zone: str, text: str, field: str, *, allow_underscore: bool = False, allow_root: bool = False) -> str:
    text = (text or "").strip()
    if not text:
        raise _fail(N_("Enter a target host name."), field)
    if text == ".":
        if allow_root:
            return "."
        raise _fail(N_("Enter a target host name."), field)
    if text == "@":
        return zone + "."
    if "." not in text.rstrip("."):
        text = f"{text}.{zone}"
    return to_ascii(text, field, allow_underscore=allow_underscore) + "."


def _txt_text(value: str) -> str:
    value = value if isinstance(value, str) else ""
    if _QUOTED_CHUNKS.match(value):  # "part one" "part two" → the strings joined, as DNS reads them
        value = "".join(re.sub(r"\\(.)", r"\1", chunk) for chunk in _CHUNK.findall(value))
    if not value.strip():
        raise _fail(N_("Enter the text of the record."), "value")
    if any(ord(c) < 0x20 or c == "\x7f" for c in value):
        raise _fail(N_("The text must not contain line breaks or control characters."), "value")
    if len(value.encode("utf-8")) > TXT_MAX_BYTES:
        raise _fail(N_("The text may have at most %(n)s bytes."), "value", n=TXT_MAX_BYTES)
    return value


def _caa(zone: str, value: str) -> str:
    parts = (value or "").strip().split(None, 2)
    if len(parts) != 3:
        raise _fail(N_('Enter a CAA record as: flags tag value, e.g. 0 issue "letsencrypt.org".'), "value")
    flags = _uint(parts[0], 255, "flags", "value")
    tag = parts[1].lower()
    if tag not in CAA_TAGS:
        raise _fail(N_("The CAA tag must be one of: %(tags)s."), "value", tags=", ".join(CAA_TAGS))
    text = parts[2].strip()
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        text = text[1:-1]
    if any(c in text for c in '"\\') or any(ord(c) < 0x20 or ord(c) > 0x7e for c in text):
        raise _fail(N_("The CAA value must be printable ASCII without quotes or backslashes."), "value")
    if tag in ("iodef",):
        if not re.fullmatch(r"(mailto:[^\s@]+@[^\s@]+|https?://\S+)", text):
            raise _fail(N_("The iodef value must be a mailto: or https:// address."), "value")
    elif tag in ("issue", "issuewild"):
        issuer = text.split(";", 1)[0].strip()
        if issuer:
            to_ascii(issuer, "value")
    return f'{flags} {tag} "{text}"'


def validate_record(zone: str, name: str, rtype: str, value: str, ttl=None, priority=None) -> Record:
    """One record as a user typed it → normalised Record, or RuleViolation.

    ``zone`` is the zone's domain (any form ``to_ascii`` accepts). ``priority`` may be given
    separately for MX and SRV; then ``value`` holds the rest (``mail.example.com`` or
    ``5 5060 sip.example.com``).
    """
    zone = zone_origin(zone)
    rtype = (rtype or "").strip().upper()
    if rtype not in RECORD_TYPES:
        raise _fail(N_("The record type must be one of: %(types)s."), "type", types=", ".join(RECORD_TYPES))
    owner = relative_name(zone, name, rtype)
    seconds = _ttl(ttl)
    value = value if isinstance(value, str) else ""
    if priority is not None and priority != "":
        if rtype not in ("MX", "SRV"):
            raise _fail(N_("Only MX and SRV records have a priority."), "priority")
        value = f"{_uint(str(priority).strip(), 65535, 'priority', 'priority')} {value.strip()}"
    if rtype == "A":
        normalised = _address(value, ipaddress.IPv4Address, N_("Enter an IPv4 address such as 192.0.2.10."))
    elif rtype == "AAAA":
        normalised = _address(value, ipaddress.IPv6Address, N_("Enter an IPv6 address such as 2001:db8::10."))
    elif rtype == "CNAME":
        if owner == "@":
            raise _fail(N_("A CNAME record is not allowed at the zone apex; use A/AAAA records."), "name")
        normalised = _target(zone, value, "value", allow_underscore=True)
        if normalised == fqdn(zone, owner):
            raise _fail(N_("A CNAME record must not point to itself."), "value")
    elif rtype == "MX":
        parts = value.split()
        if len(parts) != 2:
            raise _fail(N_("Enter an MX record as: preference host, e.g. 10 mail.example.com."), "value")
        pref = _uint(parts[0], 65535, "preference", "priority" if priority is not None else "value")
        exchange = _target(zone, parts[1], "value", allow_root=True)
        if exchange == "." and pref != 0:
            raise _fail(N_("A null MX record (.) must have preference 0."), "value")
        normalised = f"{pref} {exchange}"
    elif rtype == "SRV":
        _srv_owner(owner)
        parts = value.split()
        if len(parts) != 4:
            raise _fail(N_("Enter an SRV record as: priority weight port target, "
                           "e.g. 10 5 5060 sip.example.com."), "value")
        prio = _uint(parts[0], 65535, "priority", "priority" if priority is not None else "value")
        weight = _uint(parts[1], 65535, "weight", "value")
        port = _uint(parts[2], 65535, "port", "value")
        normalised = f"{prio} {weight} {port} {_target(zone, parts[3], 'value', allow_root=True)}"
    elif rtype == "TXT":
        normalised = _txt_text(value)
    else:
        normalised = _caa(zone, value)
    return Record(owner, rtype, normalised, seconds)


def _address(value: str, kind, msgid: str) -> str:
    text = (value or "").strip()
    if "%" in text:
        raise _fail(msgid, "value")
    try:
        address = kind(text)
    except ValueError:
        raise _fail(msgid, "value") from None
    if address.is_unspecified or address.is_multicast:
        raise _fail(N_("%(address)s cannot be the address of a host."), "value", address=str(address))
    return str(address)


def _srv_owner(owner: str) -> None:
    labels = owner.split(".") if owner != "@" else []
    if len(labels) < 2 or not _SERVICE_LABEL.match(labels[0]) or labels[1] not in SRV_PROTOCOLS:
        raise _fail(N_("An SRV record name must start with _service._protocol, e.g. _sip._tcp."), "name")


def check_record_set(zone: str, records: list[Record]) -> None:
    """Rules over a zone's whole record list; raises RuleViolation listing every conflict."""
    zone = zone_origin(zone)
    problems: list[Problem] = []
    by_name: dict[str, list[Record]] = {}
    seen: set[tuple[str, str, str]] = set()
    for record in records:
        key = (record.name.lower(), record.type, record.value)
        if key in seen:
            problems.append(Problem(N_("The record %(type)s %(name)s is listed twice."), "value",
                                    {"type": record.type, "name": fqdn(zone, record.name).rstrip(".")}))
        seen.add(key)
        by_name.setdefault(record.name.lower(), []).append(record)
    for name, group in by_name.items():
        cnames = [r for r in group if r.type == "CNAME"]
        if cnames and name == "@":
            problems.append(Problem(N_("A CNAME record is not allowed at the zone apex; use A/AAAA records."), "name"))
        elif cnames and len(group) > 1:
            problems.append(Problem(N_("A CNAME record cannot share its name with other records: %(name)s."),
                                    "name", {"name": fqdn(zone, name).rstrip(".")}))
        mx = [r for r in group if r.type == "MX"]
        if any(r.value.endswith(" .") for r in mx) and len(mx) > 1:
            problems.append(Problem(N_("A null MX record (.) must be the only MX record of its name."), "value"))
    if problems:
        raise RuleViolation(problems)


def _txt_chunks(text: str) -> list[str]:
    raw = text.encode("utf-8")
    chunks = []
    for start in range(0, len(raw), 255):
        out = []
        for byte in raw[start:start + 255]:
            if byte in (0x22, 0x5C):
                out.append("\\" + chr(byte))
            elif 0x20 <= byte <= 0x7E:
                out.append(chr(byte))
            else:
                out.append(f"\\{byte:03d}")
        chunks.append('"' + "".join(out) + '"')
    return chunks


def zone_rdata(record: Record) -> str:
    """The RDATA of a validated record in BIND zone-file syntax."""
    if record.type == "TXT":
        return " ".join(_txt_chunks(record.value))
    return record.value
