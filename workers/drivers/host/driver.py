"""The host driver: applies wanted state on one server, for real, over its transport (this
machine, or SSH to another one); the logic is the same either way.

Each ``apply_*`` takes the complete wanted state of one service (what is not listed is removed),
checks every value with the tenants rules, writes the files in one transaction, validates them
with the real tool *on that host* and, only when something changed and a reload command is
configured, runs it there. If validation fails every file is put back byte for byte and
ApplyError carries the tool's message. Where one item can be at fault (a virtual host, a zone,
an FTP user), the driver then finds the items refused on their own, applies the others and
reports the refused ones in ``ApplyResult.left_out`` (isolation.py); only a fault that is no
single item's raises. Tools run from argument lists (never a shell), with LC_ALL=C and a timeout.

``tools`` maps a name to an argument list: the validators ``nginx``, ``postmap``,
``named-checkzone``, ``named-checkconf``, ``pure-pw`` (found on PATH and in /usr/sbin when not
given) and the optional ``reload-web``, ``reload-mail``, ``reload-ftp``, ``reload-dns``, ``reload-ssh``.
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Sequence

from workers.drivers.host import (
    databases,
    dns,
    dovecot,
    ftp,
    isolation,
    nginx,
    php,
    postfix,
    remediation,
    sessions,
    sieve,
)
from workers.drivers.host.base import DEFAULT_TOOLS, PACKAGES, Resolver
from workers.drivers.host.cron import HostCron
from workers.drivers.host.dkim import HostDkim
from workers.drivers.host.files import file_name
from workers.drivers.host.spec import (
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
from workers.drivers.host.ssh import HostSsh
from workers.drivers.host.users import HostUsers

__all__ = ["DEFAULT_TOOLS", "DRIVER_PARAMETERS", "PACKAGES", "HostDriver", "LocalDriver"]


class HostDriver(HostSsh, HostCron, HostDkim):
    # --- web ----------------------------------------------------------------------------------

    def _stage_nginx_master(self, tx) -> None:
        self._dirs("run", "logs", "tmp", "sites", "protect", "htpasswd")
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
        with self.host.lock(str(self.config_dir)):
            sites, certs = self._dir("sites"), self._dir("certs")
            own = {name: nginx.cert_paths(self.config_dir, v.domain) for name, v in by_name.items() if v.certificate}
            kept = {file_name(v.domain, suffix) for v in by_name.values() for suffix in (".pem", ".key")}

            def stage(chosen):
                tx = self.transaction()
                self._stage_nginx_master(tx)
                for stale in self._listing(sites, ".conf"):
                    if stale.name not in chosen:
                        tx.remove(stale)
                for stale in self._listing(certs, ".pem") + self._listing(certs, ".key"):
                    if stale.name not in kept:  # a site gone: its certificate goes with it
                        tx.remove(stale)
                for name, text in chosen.items():
                    tx.write(site_files.get(name) or sites / name, text)
                    # a certificate goes with its new site file only (isolation hands a site it left out
                    # its live text instead, another object), and is restored with it if nginx -t refuses
                    if name in own and text is wanted.get(name):
                        pem, key = nginx.check_pem(by_name[name])
                        tx.write(own[name][0], pem)
                        tx.write(own[name][1], key, 0o600)
                return tx, self._nginx_test(argv)

            def files(scratch, texts):
                self.host.makedirs([str(scratch / "sites")])
                for name, text in texts.items():
                    fresh = name in own and text is wanted.get(name)  # else the live file and its certificate
                    for path, pem in zip(own[name] if fresh else (), nginx.check_pem(by_name[name]) if fresh else ()):
                        self.put(scratch / path.name, pem)  # a candidate is checked with its new certificate
                        text = text.replace(f'"{path}"', f'"{scratch / path.name}"')
                    self.put(scratch / "sites" / name, text)
                self.put(scratch / "mime.types", nginx.MIME_TYPES)
                self.put(scratch / "nginx.conf", nginx.render_master(self.config_dir, self.nginx_user, scratch))

            def commands(scratch, _texts):
                return [([*argv, "-t", "-q", "-c", str(scratch / "nginx.conf"), "-p", f"{self.config_dir}/"],
                         "nginx -t")]

            site_files = {name: Path(f"{sites}/{name}") for name in by_name}  # built once: thousands of sites
            live = self._texts(site_files)
            return self._commit_isolated("web", stage, wanted, live, refused, self._scratch_check(files, commands),
                                         lambda chosen: f"nginx: {len(chosen)} virtual host(s)",
                                         {name: v.domain for name, v in by_name.items()})

    def put_acme_challenge(self, token: str, text: str) -> None:
        """The answer to an ACME HTTP-01 challenge, served by every site at
        /.well-known/acme-challenge/<token> (nginx.render_vhost)."""
        directory = nginx.challenge_dir(self.config_dir)
        self.host.makedirs([str(directory)], mode=0o755)
        tx = self.transaction()
        tx.write(directory / nginx.acme_token(token), text)
        self._write(tx, None, "web")

    def remove_acme_challenge(self, token: str) -> None:
        tx = self.transaction()
        tx.remove(nginx.challenge_dir(self.config_dir) / nginx.acme_token(token))
        self._write(tx, None, "web")

    def apply_protected_dirs(self, dirs: Sequence[ProtectedDir], web_root: str,
                             php_site: VirtualHost | None = None) -> ApplyResult:
        """The password-protected directories of one web root (its others removed), ``nginx -t``.
        ``php_site``: the web root's PHP site, whose *.php the folders pass to its pool too."""
        fastcgi = None
        if php_site is not None and php_site.php_socket is not None:
            fastcgi = php.fastcgi_lines(php_site.php_socket, php_site.php_memory_mb, "")
        files = nginx.render_protected(dirs, web_root, self.config_dir, fastcgi)
        argv = self.tool("nginx")
        key = nginx.protect_key(web_root)
        with self.host.lock(str(self.config_dir)):
            tx = self.transaction()
            self._stage_nginx_master(tx)
            for sub, suffix in (("protect", ".conf"), ("htpasswd", ".htpasswd")):
                for stale in self._listing(self._dir(sub, key), suffix):
                    if stale not in files:
                        tx.remove(stale)
            for path, (text, mode) in files.items():
                tx.write(path, text, mode, self.secret_gid if path.suffix == ".htpasswd" else None)
            return self._commit(tx, self._nginx_test(argv), "web",
                                f"nginx: {len(dirs)} protected director(ies) under {web_root}")

    # --- mail ---------------------------------------------------------------------------------

    def apply_mail(self, mailboxes: Sequence[Mailbox], aliases: Sequence[MailAlias] = (),
                   lists: Sequence[MailingList] = ()) -> ApplyResult:
        """Postfix maps (compiled with postmap), the dovecot passwd-file and the sieve scripts of the
        automatic replies (compiled with sievec), as one change."""
        maps = postfix.render_maps(mailboxes, aliases, lists)
        boxes, _ = postfix.check_mail(mailboxes, aliases, lists)
        sieve_dir = self.config_dir / "dovecot" / "sieve"
        scripts = sieve.render_all(boxes, sieve_dir)
        users = dovecot.render_passwd(boxes, self.mail_root, {b.address: sieve.script_path(sieve_dir, b.address)
                                                              for b in boxes if sieve.answers(b)})
        argv = self.tool("postmap")
        sievec = self.tool("sievec") if scripts else []
        with self.host.lock(str(self.config_dir)):
            tx = self.transaction()
            sources = []
            for name, text in maps.items():
                source = self._dir("postfix") / name
                tx.write(source, text)
                tx.guard(postfix.compiled_path(source, self.map_type))
                sources.append(source)
            tx.write(self._dir("dovecot") / "users", users, 0o640, self.secret_gid)
            for stale in self._listing(self._dir("dovecot", "sieve"), sieve.SUFFIX):
                if stale not in scripts:
                    tx.remove(stale)
            for path, text in scripts.items():  # the reply's text is the customer's: not for every local user
                tx.write(path, text, 0o640, self.secret_gid)

            def validate():
                for source in sources:
                    self.run(postfix.postmap_command(argv, self.map_type, source), f"postmap {source.name}")
                if scripts:
                    with self.host.temp_dir(str(self.config_dir), ".check-") as scratch:
                        for path in sorted(scripts):
                            self.run(sieve.compile_command(sievec, path, Path(scratch) / "reply.svbin"),
                                     f"sievec {path.name}")

            result = self._commit(tx, validate, "mail", f"mail: {len(boxes)} mailbox(es), "
                                  f"{len(aliases)} alias(es), {len(lists)} list(s)")
        # a stopped customer's open IMAP/POP3 sessions end now, not at their next login
        kicked = sessions.kick_mail(self, [b.address for b in boxes if b.suspended])
        return ApplyResult(result.ok, result.detail + kicked, result.left_out)

    def lookup_mail_map(self, name: str, key: str) -> str | None:
        """What postfix would find for ``key`` in one of our maps (``postmap -q``); None if absent."""
        if name not in postfix.MAP_NAMES:
            raise ApplyError(f"unknown map {name!r}")
        argv = postfix.query_command(self.tool("postmap"), self.map_type, self.config_dir / "postfix" / name, key)
        done = self.execute(argv, "postmap -q")
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
        realpath = Resolver(self.host)  # homes resolved on this host, in two round trips at most
        realpath.prefetch(str(u.customer_home) for u in users if isinstance(u.customer_home, str))
        realpath.prefetch(f"{realpath(u.customer_home)}/{u.home_dir}" for u in users
                          if isinstance(u.customer_home, str) and isinstance(u.home_dir, str) and u.home_dir
                          and not u.home_dir.startswith("/"))
        for user in users:
            try:
                ftp.check_users([user], realpath)
                accepted.append(user)
            except ApplyError as exc:
                left[str(user.name)] = LeftOut(exc, False)
        isolation.refuse_if_nothing_left(accepted, {key: why.error for key, why in left.items()})
        text = ftp.render_passwd(accepted, realpath)
        argv = self.tool("pure-pw")
        with self.host.lock(str(self.config_dir)):
            tx = self.transaction()
            passwd, pdb = self._dir("ftp") / "pureftpd.passwd", self.config_dir / "ftp" / "pureftpd.pdb"
            tx.write(passwd, text, 0o640, self.secret_gid)
            tx.guard(pdb)
            validate = lambda: self.run(ftp.mkdb_command(argv, passwd, pdb), "pure-pw mkdb")  # noqa: E731
            result = self._finish("ftp", self._write(tx, validate, "ftp"), f"ftp: {len(accepted)} user(s)", left)
        ended = sessions.kick_ftp(self, [str(u.name) for u in accepted if u.suspended])
        return ApplyResult(result.ok, result.detail + ended, result.left_out)

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
        with self.host.lock(str(self.config_dir)):
            zone_dir = self._dir("dns")
            paths = {origin: zone_dir / file_name(origin, ".zone") for origin in (*texts, *refused)}

            def stage(chosen):
                tx = self.transaction()
                files = {origin: paths[origin] for origin in chosen}
                for stale in self._listing(zone_dir, ".zone"):
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
                    self.put(scratch / paths[origin].name, text)

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
        return ApplyResult(True, databases.APPLY[spec.engine](spec, self._admin(spec), self.host))

    def change_database_password(self, spec: DatabaseSpec) -> ApplyResult:
        """Only set the user's password (the user must exist)."""
        if spec.engine not in databases.APPLY:
            raise ApplyError(f"refused: unknown database engine {spec.engine!r}")
        return ApplyResult(True, databases.APPLY[spec.engine](spec, self._admin(spec), self.host,
                                                                  only_password=True))

    def allow_database_login(self, spec: DatabaseSpec, allowed: bool) -> ApplyResult:
        """Lock the database user (a stopped customer) or let it log in again; nothing else changes."""
        if spec.engine not in databases.LOGIN:
            raise ApplyError(f"refused: unknown database engine {spec.engine!r}")
        return ApplyResult(True, databases.LOGIN[spec.engine](spec, self._admin(spec), self.host, allowed))

    def drop_database(self, spec: DatabaseSpec) -> ApplyResult:
        """Drop the database and its user; what is already gone is fine."""
        if spec.engine not in databases.DROP:
            raise ApplyError(f"refused: unknown database engine {spec.engine!r}")
        return ApplyResult(True, databases.DROP[spec.engine](spec, self._admin(spec), self.host))

    def run_command(self, argv: list[str], timeout: float) -> remediation.CommandResult:
        """A configured remediation command (a service restart) run on this server."""
        return remediation.run_command(argv, timeout, self.host)

    def database_size_bytes(self) -> int | None:
        """Total size of the databases on this server's MariaDB and PostgreSQL (Gold: DB size)."""
        return databases.total_size_bytes(self.db_admin, self.host)


class LocalDriver(HostDriver):
    """The host driver on the machine the panel runs on (the local transport)."""

    def __init__(self, config_dir: Path | str, *args, **kwargs):
        kwargs.pop("transport", None)
        super().__init__(config_dir, *args, **kwargs)
        _ = self.secret_gid  # an unknown group is refused at once, as a setting


# The keyword arguments of the driver: the server's sealed settings that are not among them stay
# in ``driver.settings`` for the jobs (homes_root, mail_log, tls_certificates, ...).
DRIVER_PARAMETERS = frozenset(inspect.signature(HostUsers.__init__).parameters) - {"self", "transport"}
