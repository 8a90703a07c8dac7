""""Test connection" for a server, before anything is applied to it: the host key it presents (and
whether it is the pinned one), whether the panel's key logs in, the operating system, and which of
the tools the panel uses are present or missing there."""
from __future__ import annotations

from workers.drivers.errors import ApplyError, HostKeyMismatch, KeyRefused, TransportError

# name shown → program looked for on the server
TOOLS = {"nginx": "nginx", "postfix": "postmap", "dovecot": "dovecot", "pure-ftpd": "pure-pw",
         "named-checkzone": "named-checkzone", "named-checkconf": "named-checkconf", "mariadb": "mariadb",
         "psql": "psql", "dovecot-sieve": "sievec"}


def _os_name(text: str) -> str:
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return values.get("PRETTY_NAME", values.get("NAME", "")).strip().strip('"') or "unknown"


def test_connection(server, box=None) -> dict:
    """What the provider sees after "test connection": ``ok`` (logged in and looked around),
    ``host_key`` / ``fingerprint`` (what the server presents), ``host_key_matches`` (None while
    nothing is pinned), ``os``, ``present`` and ``missing`` tools, ``error`` (why not ok) and ``field``,
    the setting the error is about: ``address`` (nothing answers there), ``ssh_key`` (the panel's key
    is refused or missing) or ``host_key`` (not pinned yet, or another one)."""
    from tenants.servers.ssh_keys import fingerprint
    from workers.drivers import driver_for
    from workers.drivers.transport.keys import scan_host_key

    report: dict = {"ok": False, "host_key": None, "fingerprint": None, "host_key_matches": None, "os": None,
                    "present": [], "missing": [], "error": None, "field": None}
    try:
        with driver_for(server, box) as driver:
            if not driver.host.on_this_machine:
                seen = scan_host_key(server.address, server.ssh_port or 22)
                report["host_key"], report["fingerprint"] = seen, fingerprint(seen)
                if not server.host_key:
                    report["error"] = "confirm the host key's fingerprint and pin it before the panel logs in"
                    report["field"] = "host_key"
                    return report
                report["host_key_matches"] = seen.split()[:2] == server.host_key.split()[:2]
                if not report["host_key_matches"]:
                    report["error"] = (f"the server presents {report['fingerprint']}, not the pinned "
                                       f"{server.host_key_fingerprint}; the panel does not log in")
                    report["field"] = "host_key"
                    return report
            release = driver.host.read_bytes("/etc/os-release") or b""
            report["os"] = _os_name(release.decode("utf-8", "replace"))
            found = driver.host.which(sorted(set(TOOLS.values())))
            report["present"] = sorted(name for name, program in TOOLS.items() if found.get(program))
            report["missing"] = sorted(name for name, program in TOOLS.items() if not found.get(program))
            report["ok"] = True
    except ApplyError as exc:
        report["error"] = exc.message
        report["field"] = ("host_key" if isinstance(exc, HostKeyMismatch) else "ssh_key" if isinstance(exc, KeyRefused)
                           else "address" if isinstance(exc, TransportError) else None)
    except OSError as exc:
        report["error"], report["field"] = str(exc), "address"
    return report


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when a test module imports it
