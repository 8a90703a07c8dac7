"""Customers' SFTP/SSH logins on a server (issue 16 item 4; the OEM spec's "FTP/SSH" accounts),
over the server's transport like every other service.

Each login is a system user of its own sharing the customer's uid and gid (``useradd -o``): every
file it writes belongs to the customer's system user, like its PHP and cron. Two groups of the
panel say what a login may do: ``sftp_group`` (chrooted SFTP only) and ``ssh_group`` (a shell,
where the course allows it); a user of this server in neither group is never touched.

OpenSSH's ChrootDirectory needs every component of its path owned by root and writable by nobody
else. Customers' homes are theirs (owner the customer, group the web server, 2750: PHP, cron,
nginx, backups and moves rely on that), so the chroot is the homes root itself, which must be
root-owned and 0711 (nobody lists it). An SFTP login's home in the passwd file is ``/<customer
id>``: the path of the customer's home inside the chroot, where sshd starts it. The other homes
are there too but closed (2750, another owner, a group the customer is not in). Shell logins are
not chrooted (a shell needs /bin, /lib ...): they are plain users of the customer's uid, kept out
of other customers' files by the same modes, without forwarding.

The sshd drop-in (Match blocks only; include it at the end of sshd_config or through Debian's
sshd_config.d) and each login's authorized keys (in ``ssh_keys_dir``, root-owned: a customer
cannot add keys behind the panel's back) are written in one transaction, validated with ``sshd -t``
and restored byte for byte when it refuses them; sshd is reloaded (``reload-ssh``) only when the
drop-in changed. A stopped customer's logins get a locked password ("!") and no keys file, and
their open sessions are ended (``pkill``, when the server's tools name it); resuming puts both back.
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from workers.drivers.host import sessions
from workers.drivers.host.ftp import CRYPT_HASH
from workers.drivers.host.nginx import safe_path, system_user
from workers.drivers.host.spec import ApplyError, ApplyResult, LeftOut
from workers.drivers.host.users import NOLOGIN, HostUsers

SHELL = "/bin/bash"
GECOS = "hosting panel SFTP/SSH login"
MIN_UID = 1000
_NAME = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
_KEY = re.compile(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [\x20-\x7e]{0,100})?$")
NO_FORWARDING = ("AllowTcpForwarding no", "AllowStreamLocalForwarding no", "AllowAgentForwarding no",
                 "X11Forwarding no", "PermitTunnel no")


@dataclass(frozen=True)
class SshLogin:
    name: str
    uid: int                     # the customer's system user's uid (= gid)
    home: str                    # the customer's home, absolute, directly in the chroot
    password_hash: str | None    # crypt(3); None: keys only
    keys: Sequence[str] = ()     # OpenSSH public key lines, already parsed by the panel
    shell: bool = False          # False: chrooted SFTP only
    suspended: bool = False      # the customer is stopped: no login (password locked, no keys)


@dataclass(frozen=True)
class SshSettings:
    chroot: str                  # the homes root
    sshd_config: str = "/etc/ssh/sshd_config"      # what ``sshd -t -f`` checks (it includes the drop-in)
    dropin: str = "/etc/ssh/sshd_config.d/hosting-panel.conf"
    keys_dir: str = "/etc/ssh/hosting-panel-keys"
    sftp_group: str = "hostingsftp"
    ssh_group: str = "hostingssh"
    reserved: Sequence[str] = field(default_factory=tuple)  # prefixes of the customers' own system users

    def checked(self) -> "SshSettings":
        for label, path in (("chroot", self.chroot), ("sshd_config", self.sshd_config), ("dropin", self.dropin),
                            ("keys_dir", self.keys_dir)):
            safe_path(path, label)
        system_user(self.sftp_group), system_user(self.ssh_group)
        if self.sftp_group == self.ssh_group:
            raise ApplyError("refused: sftp_group and ssh_group must differ")
        return self


def render_dropin(settings: SshSettings) -> str:
    common = [f"AuthorizedKeysFile {settings.keys_dir}/%u", "PubkeyAuthentication yes", "PasswordAuthentication yes",
              *NO_FORWARDING]
    lines = ["# Written by the hosting panel: its customers' SFTP/SSH logins. Edits here are replaced.",
             f"Match Group {settings.sftp_group}", *(f"    {x}" for x in common),
             f"    ChrootDirectory {settings.chroot}", "    ForceCommand internal-sftp", "    PermitTTY no",
             f"Match Group {settings.ssh_group}", *(f"    {x}" for x in common), "Match all"]
    return "\n".join(lines) + "\n"


def check_login(login: SshLogin, settings: SshSettings) -> None:
    if not isinstance(login.name, str) or not _NAME.match(login.name):
        raise ApplyError(f"refused: {login.name!r} is not a login name")
    if any(re.fullmatch(re.escape(prefix) + r"[0-9]+", login.name) for prefix in settings.reserved):
        raise ApplyError(f"refused: {login.name} has the form of a customer's system user name")
    if not isinstance(login.uid, int) or isinstance(login.uid, bool) or not MIN_UID <= login.uid < 2**31:
        raise ApplyError(f"refused: the uid of {login.name} must be at least {MIN_UID}")
    home = safe_path(login.home, "home")
    if os.path.dirname(home.rstrip("/")) != settings.chroot.rstrip("/"):
        raise ApplyError(f"refused: the home {home} of {login.name} is not directly in {settings.chroot}")
    if login.password_hash is not None and not CRYPT_HASH.match(login.password_hash):
        raise ApplyError(f"refused: the password hash of {login.name} is not a crypt(3) hash")
    for key in login.keys:
        if not _KEY.match(key):
            raise ApplyError(f"refused: a public key of {login.name} is not one OpenSSH key line")


def includes(config_text: str, dropin: str, config_dir: str = "/etc/ssh") -> bool:
    """Whether an ``Include`` line of sshd_config names the drop-in (a glob; relative to
    /etc/ssh). Not included, the Match blocks would not apply: SFTP logins unchrooted."""
    for line in config_text.splitlines():
        words = line.split()
        if len(words) > 1 and words[0].lower() == "include":
            for pattern in words[1:]:
                pattern = pattern if pattern.startswith("/") else f"{config_dir}/{pattern}"
                if fnmatch.fnmatchcase(dropin, pattern):
                    return True
    return False


def _shadow(login: SshLogin) -> str:
    """The password field: the hash, ``*`` (keys only) or, while stopped, locked with ``!``."""
    value = login.password_hash or "*"
    return "!" + value if login.suspended else value


class HostSsh(HostUsers):
    def _chroot_problem(self, chroot: str) -> str | None:
        """Why sshd would refuse the chroot (a component not root's, or writable by others)."""
        parts = Path(chroot).parts
        paths = [str(Path(*parts[:n])) for n in range(1, len(parts) + 1)]
        found = self._stat(paths)
        for path in paths:
            if path not in found:
                return f"{path} does not exist"
            uid, _gid, mode = found[path]
            if uid != 0 or int(mode, 8) & 0o022:
                return f"{path} must be owned by root and writable by nobody else (sshd ChrootDirectory)"
        return None

    def apply_ssh(self, logins: Sequence[SshLogin], settings: SshSettings) -> ApplyResult:
        """Every SFTP/SSH login of the server (the panel's logins not listed are removed); a login
        the rules refuse is left out and what the server had for it stays."""
        settings = settings.checked()
        left: dict[str, LeftOut] = {}
        for login in logins:
            try:
                check_login(login, settings)
            except ApplyError as exc:
                left[login.name] = LeftOut(exc, True)
        if len({login.name for login in logins}) != len(logins):
            raise ApplyError("refused: a login name is listed twice")
        groups = {e[0]: e for e in self._getent("group", [settings.sftp_group, settings.ssh_group])}
        managed = {name for g in groups.values() if len(g) > 3 for name in g[3].split(",") if name}
        if not logins and not managed:
            return ApplyResult(True, "ssh: no logins")
        config = self.host.read_bytes(settings.sshd_config)
        if config is None or not includes(config.decode("utf-8", "replace"), settings.dropin):
            raise ApplyError(f"refused: {settings.sshd_config} does not include {settings.dropin} (add the line "
                             f"'Include {settings.dropin}'); nothing was changed")
        passwd = {e[0]: e for e in self._getent("passwd", sorted({login.name for login in logins} | managed))}
        for login in logins:
            if login.name not in left and login.name in passwd and login.name not in managed:
                left[login.name] = LeftOut(ApplyError(f"refused: {login.name} is a user of this server the panel does "
                                                      "not manage"), True)
        chrooted = [x for x in logins if x.name not in left and not x.shell]
        problem = self._chroot_problem(settings.chroot) if chrooted else None
        for login in chrooted if problem else ():
            left[login.name] = LeftOut(ApplyError(f"refused: the chroot {problem}"), True)
        wanted = [login for login in logins if login.name not in left]
        for group in (settings.sftp_group, settings.ssh_group):
            if group not in groups:
                self.run([*self.tool("groupadd"), "-r", group], "groupadd")
        dropin_changed = self._ssh_files(wanted, settings, set(left))
        self._ssh_users(wanted, settings, passwd, managed - {login.name for login in logins})
        reloaded = sessions.kick_ssh(self, [login.name for login in wanted if login.suspended])
        if dropin_changed and "reload-ssh" in self.tools:
            self.run(self.tool("reload-ssh"), "reload-ssh")
            reloaded += "; reloaded"
        summary = f"ssh: {len(wanted)} login(s)" + (f"; left out: {', '.join(sorted(left))}" if left else "")
        return ApplyResult(True, summary + reloaded, left)

    def _ssh_files(self, wanted: Sequence[SshLogin], settings: SshSettings, kept: set[str]) -> bool:
        """The drop-in and the keys files, validated by ``sshd -t``; whether the drop-in changed."""
        keys_dir = settings.keys_dir
        self.host.makedirs([keys_dir, os.path.dirname(settings.dropin)], mode=0o755)
        tx = self.transaction()
        tx.write(settings.dropin, render_dropin(settings), 0o644)
        names = {login.name for login in wanted if login.keys and not login.suspended}
        for login in wanted:
            if login.name in names:
                tx.write(f"{keys_dir}/{login.name}", "".join(f"{key}\n" for key in login.keys), 0o644)
        for stale in self.host.listdir(keys_dir):
            if stale not in names and stale not in kept and not stale.startswith("."):
                tx.remove(f"{keys_dir}/{stale}")
        check = [*self.tool("sshd"), "-t", "-f", settings.sshd_config]
        changed = self._write(tx, lambda: self.run(check, "sshd -t"), "ssh")
        return Path(settings.dropin) in changed

    def _ssh_users(self, wanted: Sequence[SshLogin], settings: SshSettings, passwd: dict[str, list[str]],
                   gone: set[str]) -> None:
        for name in sorted(gone):  # -f: the customer's PHP or cron may run under the shared uid; home kept
            self.run([*self.tool("userdel"), "-f", name], "userdel")
        shadow = {e[0]: e[1] for e in self._getent("shadow", [login.name for login in wanted if login.name in passwd])}
        members = {e[0]: set(e[3].split(",")) if len(e) > 3 else set()
                   for e in self._getent("group", [settings.sftp_group, settings.ssh_group])}
        passwords = []
        for login in wanted:
            group = settings.ssh_group if login.shell else settings.sftp_group
            home = login.home if login.shell else "/" + os.path.basename(login.home.rstrip("/"))
            shell = SHELL if login.shell else NOLOGIN
            have = passwd.get(login.name)
            if have is not None and have[2:4] != [str(login.uid)] * 2:  # now another customer's: made anew
                self.run([*self.tool("userdel"), "-f", login.name], "userdel")
                have = None
            if have is None:
                self.run([*self.tool("useradd"), "-o", "-u", str(login.uid), "-g", str(login.uid), "-G", group,
                          "-M", "-d", home, "-s", shell, "-c", GECOS, login.name], "useradd")
            elif have[5:7] != [home, shell] or login.name not in members.get(group, set()):
                self.run([*self.tool("usermod"), "-G", group, "-d", home, "-s", shell, login.name], "usermod")
            if have is None or shadow.get(login.name) != _shadow(login):
                passwords.append(f"{login.name}:{_shadow(login)}\n")
        if passwords:
            done = self.execute([*self.tool("chpasswd"), "-e"], "chpasswd", "".join(passwords).encode())
            if done.returncode != 0:
                raise ApplyError("chpasswd failed", tool="chpasswd", output=done.output)
