"""DKIM signing of hosted domains' mail with OpenDKIM (issue 17 item 4), a milter that only signs.

Files under <config>/opendkim/ (the OpenDKIM configuration, given once by the administrator, names
them; README "Mail authentication"):

  keys/<domain>.<selector>.private   the signing key, mode 0640, group ``dkim_group`` (opendkim):
                                     OpenDKIM runs as that user and refuses keys others can read
  KeyTable (file:)                   <selector>._domainkey.<domain> <domain>:<selector>:<key file>
  SigningTable                       *@<domain> <selector>._domainkey.<domain>   (refile: patterns)
  TrustedHosts                       the clients whose mail is signed (InternalHosts): this host

Checked with ``opendkim -n`` (the configuration and its tables parse) on a scratch configuration
naming the new files; refused → every file back as it was. Reload: ``reload-dkim``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tenants.hosting import hostnames
from tenants.hosting.dkim import check_selector
from workers.drivers.host.base import HostBase
from workers.drivers.host.files import file_name
from workers.drivers.host.spec import ApplyError, ApplyResult, DkimSigning, checked

HEADER = "# Written by the hosting panel's local driver; edits here are overwritten.\n"
TRUSTED = ("127.0.0.1", "::1", "localhost")
_HOST = re.compile(r"^[0-9A-Za-z.:/-]{1,100}$")


def check_signing(item: DkimSigning) -> DkimSigning:
    domain = checked(hostnames.domain, item.domain, "domain")
    if domain != item.domain:
        raise ApplyError(f"refused: the domain {item.domain!r} is not in its ASCII form ({domain})")
    selector = checked(check_selector, item.selector)
    try:
        key = serialization.load_pem_private_key(item.private_key.encode(), password=None)
    except (ValueError, TypeError, AttributeError):
        raise ApplyError(f"refused: the DKIM key of {domain} is not a PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 1024:
        raise ApplyError(f"refused: the DKIM key of {domain} must be an RSA key of at least 1024 bits")
    return DkimSigning(domain, selector, item.private_key.strip() + "\n")


def key_path(directory: Path, item: DkimSigning) -> Path:
    return directory / "keys" / file_name(f"{item.domain}.{item.selector}", ".private")


def render_tables(items: Sequence[DkimSigning], directory: Path,
                  trusted: Sequence[str] = ()) -> dict[str, str]:
    """KeyTable, SigningTable and TrustedHosts, keyed by file name (sorted: deterministic)."""
    keys, signing = [], []
    for item in sorted(items, key=lambda i: i.domain):
        name = f"{item.selector}._domainkey.{item.domain}"
        keys.append(f"{name} {item.domain}:{item.selector}:{key_path(directory, item)}\n")
        signing.append(f"*@{item.domain} {name}\n")
    hosts = list(TRUSTED)
    for host in trusted:
        if not isinstance(host, str) or not _HOST.match(host):
            raise ApplyError(f"refused: {host!r} is not an address or network for TrustedHosts")
        hosts.append(host)
    return {"KeyTable": HEADER + "".join(keys), "SigningTable": HEADER + "".join(signing),
            "TrustedHosts": HEADER + "".join(f"{h}\n" for h in dict.fromkeys(hosts))}


def check_conf(directory: Path) -> str:
    """A configuration naming our tables, for ``opendkim -n`` (it parses and opens them)."""
    return (f"KeyTable file:{directory}/KeyTable\nSigningTable refile:{directory}/SigningTable\n"
            f"InternalHosts refile:{directory}/TrustedHosts\nSocket inet:8891@127.0.0.1\nMode s\n")


class HostDkim(HostBase):
    def apply_dkim(self, items: Sequence[DkimSigning], trusted: Sequence[str] = ()) -> ApplyResult:
        """Every signing domain of the server (the keys of others removed), one change."""
        items = [check_signing(i) for i in items]
        if len({i.domain for i in items}) != len(items):
            raise ApplyError("refused: a domain is listed twice for DKIM signing")
        directory = self.config_dir / "opendkim"
        if not items and not self.host.listdir(str(directory)):
            return ApplyResult(True, "dkim: no signing domains")
        gid = self.host.group_id(self.dkim_group) if items else None
        if items and gid is None:
            raise ApplyError(f"refused: there is no group {self.dkim_group!r} (dkim_group) on this server; "
                             "install OpenDKIM (Debian package opendkim)")
        tables = render_tables(items, directory, trusted)
        argv = self.tool("opendkim") if items else []
        with self.host.lock(str(self.config_dir)):
            keys_dir = self._dir("opendkim", "keys")
            tx = self.transaction()
            wanted = {key_path(directory, i): i.private_key for i in items}
            for stale in self._listing(keys_dir, ".private"):
                if stale not in wanted:
                    tx.remove(stale)
            for path, pem in wanted.items():
                tx.write(path, pem, 0o640, gid)
            for name, text in tables.items():
                tx.write(directory / name, text)

            def validate():
                if not items:
                    return
                with self.host.temp_dir(str(self.config_dir), ".check-") as scratch:
                    conf = Path(scratch) / "opendkim.conf"
                    self.put(conf, check_conf(directory))
                    self.run([*argv, "-n", "-x", str(conf)], "opendkim -n")

            return self._commit(tx, validate, "dkim", f"dkim: {len(items)} signing domain(s)")
