"""The mailboxes' automatic replies as sieve scripts (dovecot-sieve, RFC 5230 vacation).

One script per mailbox with an autoresponder, <config>/dovecot/sieve/<address>.sieve, named in the
mailbox's passwd-file line (``userdb_sieve=file:<script>;bindir=~/.sieve-bin``: the compiled
binary goes to the mailbox's home, which the delivering process may write). The first and last
days are sieve ``currentdate`` tests in Japan time (RFC 5260), so the reply starts and stops on
its own at midnight with no job running then. The reply is From the mailbox's own address and
carries only the end user's subject and text. ``sievec`` compiles each script on the server
before anything is kept (workers/drivers/host/driver.py).

A stopped customer's mailbox (suspended) and a mailbox locked for mass mail get no script: the
reply would leave with an empty envelope sender, which the sender restrictions do not see.
"""
from __future__ import annotations

from pathlib import Path

from tenants.hosting import autoreply as rules
from workers.drivers.host.files import file_name
from workers.drivers.host.spec import ApplyError, Mailbox, checked

ZONE = "+0900"  # Asia/Tokyo has no daylight saving time
SUFFIX = ".sieve"
HEADER = "# Written by the hosting panel's local driver; edits here are overwritten.\n"


def answers(box: Mailbox) -> bool:
    """Does this mailbox get an automatic reply on the server now?"""
    return box.autoreply is not None and not box.suspended and not box.send_locked


def script_path(sieve_dir: Path, address: str) -> Path:
    return sieve_dir / file_name(address, SUFFIX)


def userdb_field(script: Path) -> str:
    return f"userdb_sieve=file:{script};bindir=~/.sieve-bin"


def _quoted(text: str) -> str:
    """A sieve quoted string (RFC 5228 2.4.2: only \\ and \" are escaped; line breaks may stay)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(box: Mailbox) -> str:
    """The sieve script of one mailbox's automatic reply, checked with the panel's own rules."""
    reply = box.autoreply
    if reply is None:
        raise ApplyError(f"refused: {box.address} has no automatic reply")
    ok = checked(rules.check, True, reply.subject, reply.body, reply.start, reply.end, reply.days)
    tests = []
    if ok.start:
        tests.append(f'currentdate :zone "{ZONE}" :value "ge" "date" "{ok.start.isoformat()}"')
    if ok.end:
        tests.append(f'currentdate :zone "{ZONE}" :value "le" "date" "{ok.end.isoformat()}"')
    vacation = (f"vacation :days {ok.days} :from {_quoted(box.address)} :subject {_quoted(ok.subject)}\n"
                f"    {_quoted(ok.body)};\n")
    if not tests:
        return HEADER + 'require ["vacation"];\n' + vacation
    return (HEADER + 'require ["vacation", "date", "relational"];\n'
            f"if allof({', '.join(tests)}) {{\n  {vacation}}}\n")


def render_all(mailboxes, sieve_dir: Path) -> dict[Path, str]:
    """The script of every mailbox that answers, by path."""
    return {script_path(sieve_dir, box.address): render(box) for box in mailboxes if answers(box)}


def compile_command(sievec: list[str], script: Path, out: Path) -> list[str]:
    return [*sievec, str(script), str(out)]
