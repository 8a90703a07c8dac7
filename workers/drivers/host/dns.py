"""BIND zone files, checked with ``named-checkzone`` (and the zone list with ``named-checkconf``).

Files under <config>/dns/: ``<origin>.zone`` per zone and ``zones.conf``, a named.conf fragment
with one ``zone`` statement per file (``include "<config>/dns/zones.conf";`` in named.conf).
Every record is re-validated with tenants.dns_records; SOA and NS come from the zone or the
driver's defaults.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from tenants.hosting import account_names, dns_records, hostnames
from workers.drivers.host.nginx import safe_path
from workers.drivers.host.spec import ApplyError, Zone, checked

SOA_TIMERS = (3600, 900, 1209600, 300)  # refresh, retry, expire, negative-cache TTL
HEADER = "; Written by the hosting panel's local driver; edits here are overwritten.\n"


def _nameservers(zone: Zone, defaults: Sequence[str]) -> list[str]:
    names = list(zone.nameservers) or list(defaults)
    if not names:
        raise ApplyError(f"refused: no name servers for {zone.origin} (set them on the zone or the driver)")
    return [checked(hostnames.host_name, n, "nameservers") + "." for n in names]


def _hostmaster(zone: Zone) -> str:
    address = checked(account_names.email_address, zone.hostmaster or f"hostmaster@{zone.origin}", "hostmaster")
    local, domain = address.split("@")
    if not all(c.isalnum() or c in "-_" for c in local):
        raise ApplyError(f"refused: the hostmaster address {address} cannot be written in an SOA record")
    return f"{local}.{domain}."


def check_zone(zone: Zone) -> list[dns_records.Record]:
    origin = checked(hostnames.domain, zone.origin, "origin")
    if origin != zone.origin:
        raise ApplyError(f"refused: the zone {zone.origin!r} is not in its ASCII form ({origin})")
    if not isinstance(zone.serial, int) or isinstance(zone.serial, bool) or not 1 <= zone.serial < 2**32:
        raise ApplyError(f"refused: the serial of {origin} must be a whole number from 1 to 4294967295")
    records = []
    for record in zone.records:
        value = record.value
        again = checked(dns_records.validate_record, origin, record.name, record.type, value, record.ttl)
        if again != record:
            raise ApplyError(f"refused: the record {record.type} {record.name} of {origin} is not normalised "
                             f"(expected {again.name} {again.value})")
        records.append(again)
    checked(dns_records.check_record_set, origin, records)
    return records


def render_zone(zone: Zone, default_nameservers: Sequence[str]) -> str:
    records = check_zone(zone)
    servers = _nameservers(zone, default_nameservers)
    refresh, retry, expire, minimum = SOA_TIMERS
    lines = [
        HEADER.rstrip("\n"),
        f"$ORIGIN {zone.origin}.",
        f"$TTL {dns_records.TTL_DEFAULT}",
        f"@ IN SOA {servers[0]} {_hostmaster(zone)} ( {zone.serial} {refresh} {retry} {expire} {minimum} )",
    ]
    lines += [f"@ IN NS {server}" for server in servers]
    for record in sorted(records, key=lambda r: (r.name != "@", r.name, r.type, r.value)):
        lines.append(f"{record.name} {record.ttl} IN {record.type} {dns_records.zone_rdata(record)}")
    return "\n".join(lines) + "\n"


def render_zones_conf(files: dict[str, Path]) -> str:
    """The named.conf fragment: one zone statement per origin and its zone file."""
    lines = [HEADER.replace(";", "//", 1).rstrip("\n")]
    for origin, path in sorted(files.items()):
        lines.append(f'zone "{origin}" {{ type primary; file "{safe_path(str(path), "zone file")}"; }};')
    return "\n".join(lines) + "\n"


def checkzone_command(tool: list[str], origin: str, path: Path) -> list[str]:
    # -k fail: owner/target host names must be legal; -M/-S fail: MX and SRV must not point to a
    # CNAME; -i local: integrity of in-zone targets.
    return [*tool, "-k", "fail", "-M", "fail", "-S", "fail", "-i", "local", origin, str(path)]


def checkconf_command(tool: list[str], path: Path) -> list[str]:
    return [*tool, str(path)]
