"""A real dovecot (Debian dovecot-core/-imapd/-pop3d): IMAP, IMAPS, POP3, POP3S on loopback ports.

Runs in the foreground as the test's child (`dovecot -F -c <conf>`), everything under a temp
directory, one passwd-file user whose mail lives there too (uid/gid of `nobody`, since dovecot
refuses mail access as root).
"""
from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from pathlib import Path

from .certs import TlsMaterial
from .process import ServerProcess, free_ports

USERNAME = "probe"
PASSWORD = "probe-secret"

CONFIG = """\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{chain}
ssl_key = <{key}
{ssl_dh}
disable_plaintext_auth = no
# tests log in with wrong passwords on purpose: no failure delay, no per-IP penalty
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/users
}}
userdb {{
  driver = passwd-file
  args = {d}/users
}}
mail_location = maildir:{d}/mail/%u
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3_port}
  }}
  inet_listener pop3s {{
    port = {pop3s_port}
    ssl = yes
  }}
}}
"""


@dataclass
class DovecotServer:
    binary: str
    directory: Path
    tls: TlsMaterial
    host: str = "127.0.0.1"
    username: str = USERNAME
    password: str = PASSWORD
    imap_port: int = 0
    imaps_port: int = 0
    pop3_port: int = 0
    pop3s_port: int = 0
    process: ServerProcess | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.imap_port:
            self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port = free_ports(4)
        d = self.directory
        nobody = pwd.getpwnam("nobody")
        for sub in ("run", "state", "mail", "home"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("mail", "home"):
            if os.geteuid() == 0:
                os.chown(d / sub, nobody.pw_uid, nobody.pw_gid)
        (d / "users").write_text(
            f"{self.username}:{{PLAIN}}{self.password}:{nobody.pw_uid}:{nobody.pw_gid}::{d}/home::\n"
        )
        dh = Path("/usr/share/dovecot/dh.pem")
        (d / "dovecot.conf").write_text(
            CONFIG.format(
                d=d,
                chain=self.tls.chain_file,
                key=self.tls.key_file,
                ssl_dh=f"ssl_dh = <{dh}" if dh.exists() else "",
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                pop3_port=self.pop3_port,
                pop3s_port=self.pop3s_port,
            )
        )
        argv = [self.binary, "-F", "-c", str(d / "dovecot.conf")]
        ports = [self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port]
        self.process = ServerProcess("dovecot", argv, ports, d / "dovecot.log")

    def start(self) -> "DovecotServer":
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()
