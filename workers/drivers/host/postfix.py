"""Postfix lookup tables for hosted mail, compiled with ``postmap``.

Files under <config>/postfix/ (source text; postmap writes <file>.db for type ``hash``, the type
Debian's postfix package supports out of the box; ``lmdb`` needs postfix-lmdb):

  virtual_domains     domain → OK                     virtual_mailbox_domains
  virtual_mailboxes   address → domain/local/         virtual_mailbox_maps (maildir under the base)
  virtual_aliases     address → targets               virtual_alias_maps: forwards (+ the mailbox
                                                      itself when a copy is kept), aliases, lists;
                                                      @domain → targets for a catch-all (then
                                                      each of its mailboxes maps to itself)
  sender_access       address → REJECT ...            for send-locked and suspended accounts: use it in both
                      smtpd_sender_restrictions = check_sasl_access <map>, check_sender_access <map>

DKIM signing (dkim.py) is OpenDKIM as a milter: milter_settings() gives the main.cf lines, set once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from tenants.hosting import account_names, hostnames
from workers.drivers.host.spec import ApplyError, MailAlias, Mailbox, MailingList, checked

MAP_NAMES = ("virtual_domains", "virtual_mailboxes", "virtual_aliases", "sender_access")
MAP_SUFFIX = {"hash": ".db", "btree": ".db", "lmdb": ".lmdb", "cdb": ".cdb"}
LOCKED_REPLY = "REJECT This account is temporarily locked for sending; contact your provider"
SUSPENDED_REPLY = "REJECT This account is suspended; contact your provider"
HEADER = "# Written by the hosting panel's local driver; edits here are overwritten.\n"


def _members(values: Sequence[str], owner: str) -> list[str]:
    if isinstance(values, str):
        raise ApplyError(f"refused: the targets of {owner} must be a list of addresses")
    out: list[str] = []
    for value in values:
        address = checked(account_names.email_address, value, "members")
        if address.lower() not in (a.lower() for a in out):
            out.append(address)
    return out


def check_mail(mailboxes: Sequence[Mailbox], aliases: Sequence[MailAlias],
               lists: Sequence[MailingList]) -> tuple[list[Mailbox], dict[str, list[str]]]:
    """Validated mailboxes and the alias table (address → targets); conflicts refused."""
    boxes: list[Mailbox] = []
    table: dict[str, list[str]] = {}
    owners: dict[str, str] = {}

    def claim(address: str, what: str) -> None:
        if address in owners:
            raise ApplyError(f"refused: {address} is both {owners[address]} and {what}")
        owners[address] = what

    for box in mailboxes:
        address = checked(account_names.hosted_address, box.address, "address")
        claim(address, "a mailbox")
        if not isinstance(box.quota_mb, int) or isinstance(box.quota_mb, bool) or not 0 <= box.quota_mb <= 10**7:
            raise ApplyError(f"refused: the quota of {address} must be a whole number of MB")
        forwards = _members(box.forwards, address)
        if forwards:
            targets = ([address] if box.keep_copy else []) + [f for f in forwards if f.lower() != address]
            table[address] = targets or [address]
        boxes.append(Mailbox(address, box.password_hash, box.quota_mb, tuple(forwards), box.keep_copy,
                             bool(box.send_locked), bool(box.suspended), box.autoreply))
    for kind, group in (("an alias", aliases), ("a mailing list", lists)):
        for item in group:
            address = _alias_key(item.address) if kind == "an alias" else \
                checked(account_names.hosted_address, item.address, "address")
            claim(address, kind)
            members = _members(item.members, address)
            if not members:
                raise ApplyError(f"refused: {kind} {address} has no members")
            table[address] = members
    # a catch-all (@domain) would also take the mail of the domain's mailboxes: postfix looks
    # virtual_alias_maps up first, so each mailbox without an entry maps to itself
    caught = {key[1:] for key in table if key.startswith("@")}
    for box in boxes:
        if box.address.split("@")[1] in caught and box.address not in table:
            table[box.address] = [box.address]
    return boxes, table


def _alias_key(value) -> str:
    """An alias's address, or ``@domain`` for the domain's catch-all."""
    if isinstance(value, str) and value.startswith("@"):
        domain = checked(hostnames.domain, value[1:], "address")
        if domain != value[1:]:
            raise ApplyError(f"refused: the catch-all {value!r} is not in its ASCII form (@{domain})")
        return "@" + domain
    return checked(account_names.hosted_address, value, "address")


def render_maps(mailboxes: Sequence[Mailbox], aliases: Sequence[MailAlias],
                lists: Sequence[MailingList]) -> dict[str, str]:
    """The source text of each map, keyed by file name (deterministic: sorted keys)."""
    boxes, table = check_mail(mailboxes, aliases, lists)
    domains = sorted({b.address.split("@")[1] for b in boxes} | {a.split("@")[1] for a in table})
    maildirs = sorted((b.address, "{1}/{0}/".format(*b.address.split("@"))) for b in boxes)
    # a stopped customer's mailboxes send nothing (dovecot refuses their SMTP AUTH too); what is
    # sent to them is still delivered (virtual_mailboxes and virtual_aliases are unchanged)
    refused = sorted((b.address, SUSPENDED_REPLY if b.suspended else LOCKED_REPLY)
                     for b in boxes if b.send_locked or b.suspended)
    return {
        "virtual_domains": HEADER + "".join(f"{d} OK\n" for d in domains),
        "virtual_mailboxes": HEADER + "".join(f"{a} {path}\n" for a, path in maildirs),
        "virtual_aliases": HEADER + "".join(f"{a} {', '.join(t)}\n" for a, t in sorted(table.items())),
        "sender_access": HEADER + "".join(f"{a} {reply}\n" for a, reply in refused),
    }


def milter_settings(socket: str = "inet:127.0.0.1:8891") -> dict[str, str]:
    """main.cf settings that pass mail received over SMTP and mail submitted on the server (PHP's
    mail(), sendmail) through OpenDKIM; if it is down, mail goes out unsigned rather than waiting."""
    if not socket.startswith(("inet:", "unix:")) or any(c.isspace() or c == "," for c in socket):
        raise ApplyError(f"refused: {socket!r} is not a milter socket (inet:host:port or unix:path)")
    return {"smtpd_milters": socket, "non_smtpd_milters": socket, "milter_default_action": "accept",
            "milter_protocol": "6"}


def compiled_path(source: Path, map_type: str) -> Path:
    if map_type not in MAP_SUFFIX:
        raise ApplyError(f"refused: unknown postfix map type {map_type!r}")
    return source.with_name(source.name + MAP_SUFFIX[map_type])


def postmap_command(postmap: list[str], map_type: str, source: Path) -> list[str]:
    return [*postmap, f"{map_type}:{source}"]


def query_command(postmap: list[str], map_type: str, source: Path, key: str) -> list[str]:
    return [*postmap, "-q", key, f"{map_type}:{source}"]
