"""The local driver: applies wanted state on this machine, for real.

Each ``apply_*`` takes the complete wanted state of one service (what is not listed is removed),
checks every value with the tenants rules, writes the files in one transaction, validates them
with the real tool and, only when something changed and a reload command is configured, runs it.
If validation fails every file is put back byte for byte and ApplyError carries the tool's
message. Where one item can be at fault (a virtual host, a zone, an FTP user), the driver then
finds the items refused on their own, applies the others and reports the refused ones in
``ApplyResult.left_out`` (isolation.py); only a fault that is no single item's raises.
Tools run from argument lists (never a shell), with LC_ALL=C and a timeout.

``tools`` maps a name to an argument list: the validators ``nginx``, ``postmap``,
``named-checkzone``, ``named-checkconf``, ``pure-pw`` (found on PATH and in /usr/sbin when not
given) and the optional ``reload-web``, ``reload-mail``, ``reload-ftp``, ``reload-dns``.
"""
from __future__ import annotations

import grp
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Mapping, Sequence

from workers.drivers.local import databases, dns, dovecot, ftp, isolation, nginx, postfix
from workers.drivers.local.files import ConfigTransaction, file_name, locked
from workers.drivers.local.spec import (
    ApplyError,
    ApplyResult,
    DatabaseSpec,
    FtpUser,
    LeftOut,
    MailAlias,
    Mailbox,
    MailingList,
    ProtectedDir,
    VirtualHost,
    Zone,
)

DEFAULT_TOOLS = {name: [name] for name in ("nginx", "postmap", "named-checkzone", "named-checkconf", "pure-pw")}
PACKAGES = {"nginx": "nginx-light", "postmap": "postfix", "named-checkzone": "bind9-utils",
            "named-checkconf": "bind9-utils", "pure-pw": "pure-ftpd"}
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])


class LocalDriver:
    def __init__(self, config_dir: Path | str, db_admin: dict[str, dict] | None = None,
                 tools: dict[str, list[str]] | None = None, *, http_listen: Sequence[str] = ("80",),
                 https_listen: Sequence[str] = ("443",), nginx_user: str | None = None,
                 mail_root: str = "/var/mail/vhosts", postfix_map_type: str = "hash",
                 nameservers: Sequence[str] = (), secret_group: str | None = None, timeout: float = 120):
        self.config_dir = Path(nginx.safe_path(os.path.abspath(config_dir), "config directory"))
        self.db_admin = dict(db_admin or {})
        self.tools = {**DEFAULT_TOOLS, **(tools or {})}
        self.http_listen = [nginx.listen_address(a) for a in http_listen]
        self.https_listen = [nginx.listen_address(a) for a in https_listen]
        self.nginx_user = nginx.system_user(nginx_user) if nginx_user is not None else None
        self.mail_root = nginx.safe_path(mail_root, "mail root")
        postfix.compiled_path(Path("x"), postfix_map_type)  # refuses unknown types early
        self.map_type = postfix_map_type
        self.nameservers = list(nameservers)
        self.timeout = timeout
        try:
            self.secret_gid = grp.getgrnam(secret_group).gr_gid if secret_group else None
        except KeyError:
            raise ApplyError(f"refused: there is no group {secret_group!r} on this machine") from None

    # --- tools --------------------------------------------------------------------------------

    def tool(self, name: str) -> list[str]:
        """The argument list of a tool, its program resolved; ApplyError when it is missing."""
        argv = self.tools.get(name)
        if not argv or isinstance(argv, str):
            raise ApplyError(f"no command configured for {name!r}")
        found = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=_SEARCH_PATH)
        if not found or not os.access(found, os.X_OK):
            hint = f" (Debian package {PACKAGES[name]})" if name in PACKAGES else ""
            raise ApplyError(f"{argv[0]} is not installed on this server{hint}; nothing was changed", tool=name)
        return [found, *argv[1:]]

    def run(self, argv: list[str], name: str) -> str:
        """Run one command (a list, no shell); its output, or ApplyError with what it said."""
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            raise TypeError("commands are argument lists")
        env = {**os.environ, "LC_ALL": "C"}
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout,
                                  stdin=subprocess.DEVNULL, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise ApplyError(f"{name} did not finish within {self.timeout:g} s", tool=name) from None
        except OSError as exc:
            raise ApplyError(f"{name} could not be started: {exc}", tool=name) from exc
        output = "\n".join(part.strip() for part in (done.stdout, done.stderr) if part.strip())
        if done.returncode != 0:
            raise ApplyError(f"{name} failed (exit status {done.returncode}); the previous configuration "
                             "is still in place", tool=name, output=output)
        return output

    def _write(self, tx: ConfigTransaction, validate, service: str) -> list[Path]:
        try:
            return tx.commit(validate)
        except OSError as exc:
            raise ApplyError(f"could not write the {service} configuration: {exc}") from exc

    def _finish(self, service: str, changed: list[Path], summary: str,
                left_out: Mapping[str, LeftOut] | None = None) -> ApplyResult:
        left_out = dict(left_out or {})
        if left_out:
            summary += f"; left out: {', '.join(sorted(left_out))}"
        if not changed:
            return ApplyResult(True, f"{summary}; unchanged", left_out)
        reload_name = f"reload-{service}"
        if reload_name not in self.tools:
            return ApplyResult(True, f"{summary}; {len(changed)} file(s) changed; no reload command configured",
                               left_out)
        self.run(self.tool(reload_name), reload_name)
        return ApplyResult(True, f"{summary}; {len(changed)} file(s) changed; reloaded", left_out)

    def _commit(self, tx: ConfigTransaction, validate, service: str, summary: str) -> ApplyResult:
        return self._finish(service, self._write(tx, validate, service), summary)

    def _commit_isolated(self, service: str, stage: Callable[..., tuple[ConfigTransaction, Callable]],
                         wanted: dict[str, str], live: dict[str, str],
                         refused: dict[str, ApplyError], check: isolation.Check, summary: Callable,
                         names: Mapping[str, str], one_by_one: bool = False) -> ApplyResult:
        """Commit ``stage(texts)`` (a transaction and its validator) for the wanted texts by key;
        if the validator refuses them, commit what isolation.settle keeps instead."""
        chosen, left = isolation.start(wanted, live, refused)
        try:
            changed = self._write(*stage(chosen), service)
        except ApplyError as exc:
            if exc.tool is None:  # not the validator's verdict (e.g. a file could not be written)
                raise
            chosen, left = isolation.settle(chosen, live, check, exc, left, one_by_one)
            changed = self._write(*stage(chosen), service)
        return self._finish(service, changed, summary(chosen), {names[key]: why for key, why in left.items()})

    def _scratch_check(self, files: Callable[[Path, Mapping[str, str]], None], commands: Callable):
        """A ``check`` for isolation.settle: the candidate texts are written to a scratch folder
        on the server (``files``) and the validator runs on them (``commands``); live files stay."""
        def check(texts: Mapping[str, str]) -> ApplyError | None:
            with tempfile.TemporaryDirectory(prefix=".check-", dir=self.config_dir) as scratch:
                files(Path(scratch), texts)
                try:
                    for argv, name in commands(Path(scratch), texts):
                        self.run(argv, name)
                except ApplyError as exc:
                    return exc
            return None
        return check

    @staticmethod
    def _texts(paths: Mapping[str, Path]) -> dict[str, str]:
        """The files in place now, by key (the versions kept for items refused in a change)."""
        return {key: path.read_text() for key, path in paths.items() if path.is_file()}

    def _dir(self, *parts: str) -> Path:
        path = self.config_dir.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    # --- web ----------------------------------------------------------------------------------

    def _stage_nginx_master(self, tx: ConfigTransaction) -> None:
        for sub in ("run", "logs", "tmp", "sites", "protect", "htpasswd"):
            self._dir(sub)
        tx.write(self.config_dir / "nginx.conf", nginx.render_master(self.config_dir, self.nginx_user))
        tx.write(self.config_dir / "mime.types", nginx.MIME_TYPES)

    def _nginx_test(self, argv: list[str]):
        conf = self.config_dir / "nginx.conf"
        return lambda: self.run([*argv, "-t", "-q", "-c", str(conf), "-p", f"{self.config_dir}/"], "nginx -t")

    def apply_web(self, vhosts: Sequence[VirtualHost]) -> ApplyResult:
        """One server file per virtual host (others removed), checked with ``nginx -t``; a virtual
        host refused on its own is left out (its previous file kept if there is one)."""
        by_name = {file_name(v.domain, ".conf"): v for v in nginx.unique_vhosts(vhosts)}
        listen = (self.http_listen, self.https_listen)
        wanted, refused = {}, {}
        for name, vhost in by_name.items():
            try:
                wanted[name] = nginx.render_vhost(vhost, self.config_dir, *listen)
            except ApplyError as exc:
                refused[name] = exc
        isolation.refuse_if_nothing_left(wanted, refused)
        argv = self.tool("nginx")
        with locked(self.config_dir):
            sites = self._dir("sites")

            def stage(chosen):
                tx = ConfigTransaction()
                self._stage_nginx_master(tx)
                for stale in sites.glob("*.conf"):
                    if stale.name not in chosen:
                        tx.remove(stale)
                for name, text in chosen.items():
                    tx.write(sites / name, text)
                return tx, self._nginx_test(argv)

            def files(scratch, texts):
                (scratch / "sites").mkdir()
                for name, text in texts.items():
                    (scratch / "sites" / name).write_text(text)
                (scratch / "mime.types").write_text(nginx.MIME_TYPES)
                (scratch / "nginx.conf").write_text(nginx.render_master(self.config_dir, self.nginx_user, scratch))

            def commands(scratch, _texts):
                return [([*argv, "-t", "-q", "-c", str(scratch / "nginx.conf"), "-p", f"{self.config_dir}/"],
                         "nginx -t")]

            live = self._texts({name: sites / name for name in by_name})
            return self._commit_isolated("web", stage, wanted, live, refused, self._scratch_check(files, commands),
                                         lambda chosen: f"nginx: {len(chosen)} virtual host(s)",
                                         {name: v.domain for name, v in by_name.items()})

    def apply_protected_dirs(self, dirs: Sequence[ProtectedDir], web_root: str) -> ApplyResult:
        """The password-protected directories of one web root (its others removed), ``nginx -t``."""
        files = nginx.render_protected(dirs, web_root, self.config_dir)
        argv = self.tool("nginx")
        key = nginx.protect_key(web_root)
        with locked(self.config_dir):
            tx = ConfigTransaction()
            self._stage_nginx_master(tx)
            for sub, pattern in (("protect", "*.conf"), ("htpasswd", "*.htpasswd")):
                for stale in self._dir(sub, key).glob(pattern):
                    if stale not in files:
                        tx.remove(stale)
            for path, (text, mode) in files.items():
                tx.write(path, text, mode, self.secret_gid if path.suffix == ".htpasswd" else None)
            return self._commit(tx, self._nginx_test(argv), "web",
                                f"nginx: {len(dirs)} protected director(ies) under {web_root}")

    # --- mail ---------------------------------------------------------------------------------

    def apply_mail(self, mailboxes: Sequence[Mailbox], aliases: Sequence[MailAlias] = (),
                   lists: Sequence[MailingList] = ()) -> ApplyResult:
        """Postfix maps (compiled with postmap) and the dovecot passwd-file, as one change."""
        maps = postfix.render_maps(mailboxes, aliases, lists)
        boxes, _ = postfix.check_mail(mailboxes, aliases, lists)
        users = dovecot.render_passwd(boxes, self.mail_root)
        argv = self.tool("postmap")
        with locked(self.config_dir):
            tx = ConfigTransaction()
            sources = []
            for name, text in maps.items():
                source = self._dir("postfix") / name
                tx.write(source, text)
                tx.guard(postfix.compiled_path(source, self.map_type))
                sources.append(source)
            tx.write(self._dir("dovecot") / "users", users, 0o640, self.secret_gid)

            def validate():
                for source in sources:
                    self.run(postfix.postmap_command(argv, self.map_type, source), f"postmap {source.name}")

            return self._commit(tx, validate, "mail", f"mail: {len(boxes)} mailbox(es), "
                                f"{len(aliases)} alias(es), {len(lists)} list(s)")

    def lookup_mail_map(self, name: str, key: str) -> str | None:
        """What postfix would find for ``key`` in one of our maps (``postmap -q``); None if absent."""
        if name not in postfix.MAP_NAMES:
            raise ApplyError(f"unknown map {name!r}")
        argv = postfix.query_command(self.tool("postmap"), self.map_type, self.config_dir / "postfix" / name, key)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout,
                              stdin=subprocess.DEVNULL, env={**os.environ, "LC_ALL": "C"}, check=False)
        if done.returncode == 1:
            return None
        if done.returncode != 0:
            raise ApplyError("postmap -q failed", tool="postmap", output=done.stderr.strip())
        return done.stdout.rstrip("\n")

    # --- FTP ----------------------------------------------------------------------------------

    def apply_ftp(self, users: Sequence[FtpUser]) -> ApplyResult:
        """pure-ftpd virtual users (chrooted below each customer's home), ``pure-pw mkdb``. A user
        the rules refuse (e.g. its folder became a symlink out of the home) is left out, not served."""
        accepted, left = [], {}
        for user in users:
            try:
                ftp.check_users([user])
                accepted.append(user)
            except ApplyError as exc:
                left[str(user.name)] = LeftOut(exc, False)
        isolation.refuse_if_nothing_left(accepted, {key: why.error for key, why in left.items()})
        text = ftp.render_passwd(accepted)
        argv = self.tool("pure-pw")
        with locked(self.config_dir):
            tx = ConfigTransaction()
            passwd, pdb = self._dir("ftp") / "pureftpd.passwd", self.config_dir / "ftp" / "pureftpd.pdb"
            tx.write(passwd, text, 0o640, self.secret_gid)
            tx.guard(pdb)
            validate = lambda: self.run(ftp.mkdb_command(argv, passwd, pdb), "pure-pw mkdb")  # noqa: E731
            return self._finish("ftp", self._write(tx, validate, "ftp"), f"ftp: {len(accepted)} user(s)", left)

    # --- DNS ----------------------------------------------------------------------------------

    def apply_dns(self, zones: Sequence[Zone]) -> ApplyResult:
        """One zone file per zone (others removed) and zones.conf, ``named-checkzone`` each; a zone
        refused on its own is left out (its previous file kept if there is one)."""
        texts: dict[str, str] = {}
        refused: dict[str, ApplyError] = {}
        for zone in zones:
            if zone.origin in texts or zone.origin in refused:
                raise ApplyError(f"refused: the zone {zone.origin} is listed twice")
            try:
                texts[zone.origin] = dns.render_zone(zone, self.nameservers)
            except ApplyError as exc:
                refused[zone.origin] = exc
        isolation.refuse_if_nothing_left(texts, refused)
        checkzone, checkconf = self.tool("named-checkzone"), self.tool("named-checkconf")
        with locked(self.config_dir):
            zone_dir = self._dir("dns")
            paths = {origin: zone_dir / file_name(origin, ".zone") for origin in (*texts, *refused)}

            def stage(chosen):
                tx = ConfigTransaction()
                files = {origin: paths[origin] for origin in chosen}
                for stale in zone_dir.glob("*.zone"):
                    if stale not in files.values():
                        tx.remove(stale)
                for origin, text in chosen.items():
                    tx.write(files[origin], text)
                conf = zone_dir / "zones.conf"
                tx.write(conf, dns.render_zones_conf(files))

                def validate():
                    for origin in sorted(chosen):
                        self.run(dns.checkzone_command(checkzone, origin, files[origin]), f"named-checkzone {origin}")
                    self.run(dns.checkconf_command(checkconf, conf), "named-checkconf")

                return tx, validate

            def files(scratch, chosen):
                for origin, text in chosen.items():
                    (scratch / paths[origin].name).write_text(text)

            def commands(scratch, chosen):
                return [(dns.checkzone_command(checkzone, origin, scratch / paths[origin].name),
                         f"named-checkzone {origin}") for origin in sorted(chosen)]

            return self._commit_isolated("dns", stage, texts, self._texts(paths), refused,
                                         self._scratch_check(files, commands),
                                         lambda chosen: f"dns: {len(chosen)} zone(s)", {o: o for o in paths},
                                         one_by_one=True)

    # --- databases ----------------------------------------------------------------------------

    def _admin(self, spec: DatabaseSpec) -> dict:
        admin = self.db_admin.get(spec.engine)
        if not admin:
            raise ApplyError(f"no {spec.engine} administrator credentials for this server")
        return admin

    def apply_database(self, spec: DatabaseSpec) -> ApplyResult:
        """Create (or bring back in line) the database, its user, password and grants."""
        if spec.engine not in databases.APPLY:
            raise ApplyError(f"refused: unknown database engine {spec.engine!r}")
        return ApplyResult(True, databases.APPLY[spec.engine](spec, self._admin(spec)))

    def change_database_password(self, spec: DatabaseSpec) -> ApplyResult:
        """Only set the user's password (the user must exist)."""
        if spec.engine not in databases.APPLY:
            raise ApplyError(f"refused: unknown database engine {spec.engine!r}")
        return ApplyResult(True, databases.APPLY[spec.engine](spec, self._admin(spec), only_password=True))

    def drop_database(self, spec: DatabaseSpec) -> ApplyResult:
        """Drop the database and its user; what is already gone is fine."""
        if spec.engine not in databases.DROP:
            raise ApplyError(f"refused: unknown database engine {spec.engine!r}")
        return ApplyResult(True, databases.DROP[spec.engine](spec, self._admin(spec)))
