"""Customers' system users and their PHP-FPM pools on a server (issue 16 items 2 and 3), over the
server's transport like every other service: commands are argument lists run there (``getent``,
``groupadd``, ``useradd``, ``chown``, ``chmod``, ``php-fpmX.Y -t``), pool files go through a
ConfigTransaction and are restored byte for byte when ``php-fpm -t`` refuses them.

Homes: owned by the customer's user, group the web server's group (``web_group``, www-data on
Debian), mode 2750: nginx reads static files through the group, the customer through the owner,
and no other customer (neither owner nor in the group) can enter. New files inherit the group
(setgid). ``<home>/tmp`` (0700) holds PHP's uploads, sessions and temp files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from workers.drivers.host import php
from workers.drivers.host.base import HostBase
from workers.drivers.host.spec import ApplyError, ApplyResult, PhpPool, SystemUser

NOLOGIN = "/usr/sbin/nologin"
GECOS = "hosting panel customer"


def _entries(text: str) -> list[list[str]]:
    return [line.split(":") for line in text.splitlines() if line.count(":") >= 2]


class HostUsers(HostBase):
    def _getent(self, database: str, keys: Sequence[str]) -> list[list[str]]:
        if not keys:
            return []
        done = self.execute([*self.tool("getent"), database, *keys], "getent")
        if done.returncode not in (0, 2):  # 2: some keys were not found
            raise ApplyError(f"getent {database} failed", tool="getent", output=done.output)
        return _entries(done.stdout)

    def _web_gid(self) -> int:
        gid = self.host.group_id(self.web_group)
        if gid is None:
            raise ApplyError(f"refused: there is no group {self.web_group!r} (web_group) on this server")
        return gid

    def apply_system_users(self, users: Sequence[SystemUser]) -> ApplyResult:
        """Make each user (and its group, same number) exist with its home; a name or number
        already used by someone else on the server is refused, never taken over. Users not
        listed are left alone: their files may remain, and their uid is never given again."""
        users = [php.check_user(u) for u in users]
        if len({u.name for u in users}) != len(users) or len({u.uid for u in users}) != len(users):
            raise ApplyError("refused: a system user name or uid is listed twice")
        if not users:
            return ApplyResult(True, "system users: none")
        web_gid = self._web_gid()
        names, ids = [u.name for u in users], [str(u.uid) for u in users]
        by_name = {e[0]: e for e in self._getent("passwd", names + ids)}
        by_uid = {e[2]: e for e in by_name.values()}
        groups = {e[0]: e for e in self._getent("group", names + ids)}
        groups_by_gid = {e[2]: e for e in groups.values()}
        made = []
        for user in users:
            uid = str(user.uid)
            have = by_name.get(user.name)
            if have is not None and (have[2], have[3]) != (uid, uid):
                raise ApplyError(f"refused: the user {user.name} exists on this server with another uid/gid "
                                 f"({have[2]}/{have[3]}); nothing was changed for it")
            if have is None and uid in by_uid:
                raise ApplyError(f"refused: uid {uid} belongs to {by_uid[uid][0]} on this server; choose another "
                                 "uid range (uid_min) for this server")
            group = groups.get(user.name)
            if group is not None and group[2] != uid or group is None and uid in groups_by_gid:
                raise ApplyError(f"refused: the group {user.name} or gid {uid} is taken on this server")
            if group is None:
                self.run([*self.tool("groupadd"), "-g", uid, user.name], "groupadd")
            if have is None:
                self.run([*self.tool("useradd"), "-u", uid, "-g", uid, "-d", user.home, "-M", "-s", NOLOGIN,
                          "-c", GECOS, user.name], "useradd")
                made.append(user.name)
        self.host.makedirs([d for u in users for d in (u.home, f"{u.home}/tmp")], mode=0o750)
        wanted = {}
        for user in users:
            wanted[user.home] = (user.uid, web_gid, "2750")
            wanted[f"{user.home}/tmp"] = (user.uid, user.uid, "700")
        fixed = self._own(wanted)
        return ApplyResult(True, f"system users: {len(users)} ({len(made)} new, {fixed} folder(s) set)")

    def _stat(self, paths: Sequence[str]) -> dict[str, tuple[int, int, str]]:
        """(uid, gid, permission bits in octal) of each path that exists, links not followed; in
        one command (``xargs`` batches them there), so a server with thousands of customers costs
        one round trip, not thousands."""
        out: dict[str, tuple[int, int, str]] = {}
        if not paths:
            return out
        data = b"".join(path.encode() + b"\0" for path in paths)
        done = self.execute([*self.tool("xargs"), "-0", "-r", *self.tool("stat"), "-c", "%u:%g:%a:%n", "--"],
                            "stat", data)
        for line in done.stdout.splitlines():
            uid, gid, mode, name = line.split(":", 3)
            out[name] = (int(uid), int(gid), mode)
        return out

    def _own(self, wanted: dict[str, tuple[int, int, str]]) -> int:
        """Give each folder its owner, group and mode where it has others (``-h``: a link the
        customer put in place of a folder is not followed); how many were changed."""
        now = self._stat(sorted(wanted))
        todo = [path for path, want in wanted.items() if path in now and now[path] != want]
        self._each("chown", [(f"{wanted[p][0]}:{wanted[p][1]}", p) for p in todo if now[p][:2] != wanted[p][:2]], "-h")
        self._each("chmod", [(wanted[p][2], p) for p in todo if now[p][2] != wanted[p][2]])
        return len(todo)

    def _each(self, name: str, pairs: list[tuple[str, str]], *options: str) -> None:
        """``<tool> <options> <value> <path>`` for every pair in one command on the server
        (``xargs -0 -n 2``), not one round trip per folder: a first apply of thousands of sites."""
        if not pairs:
            return
        data = b"".join(f"{value}\0{path}\0".encode() for value, path in pairs)
        done = self.execute([*self.tool("xargs"), "-0", "-n", "2", *self.tool(name), *options], name, data)
        if done.returncode != 0:
            raise ApplyError(f"{name} failed (exit status {done.returncode})", tool=name, output=done.output)

    def give_to(self, folders: Sequence[tuple[SystemUser, str]], make_missing: bool = False) -> int:
        """Folders the panel made inside customers' homes (document roots and the folders between
        them and the home) belong to the customer; how many were changed. ``make_missing``: the
        folders not there yet are made first (0755; one command for the new ones only, not one
        ``mkdir -p`` of every site's on every apply); failing to make them changes nothing else."""
        wanted: dict[str, tuple[int, int, str]] = {}
        for user, path in folders:
            php.check_user(user)
            home = user.home.rstrip("/")
            while path.startswith(home + "/"):
                wanted[path] = (user.uid, user.uid, "")
                path = path.rsplit("/", 1)[0]
        now = self._stat(sorted(wanted))
        missing = sorted({path for _user, path in folders if path in wanted and path not in now}) if make_missing else []
        if missing:
            try:
                self.host.makedirs(missing, mode=0o755)
            except OSError:
                pass
            now |= self._stat(sorted(path for path in wanted if path not in now))
        todo = [path for path, (uid, gid, _m) in wanted.items() if path in now and now[path][:2] != (uid, gid)]
        self._each("chown", [(f"{wanted[p][0]}:{wanted[p][1]}", p) for p in todo], "-h")
        return len(todo)

    def own_tree(self, user: SystemUser) -> None:
        """Everything in a home copied from another server (its numbers mean nothing here) becomes
        the customer's; links are not followed, the home keeps its group and mode."""
        php.check_user(user)
        self.run([*self.tool("chown"), "-R", "-h", f"{user.uid}:{user.uid}", user.home], "chown")
        self._own({user.home: (user.uid, self._web_gid(), "2750")})

    # --- PHP-FPM -------------------------------------------------------------------------------

    @property
    def php_run_dir(self) -> Path:
        return Path(self.php_socket_dir) if self.php_socket_dir else self.config_dir / "php" / "run"

    def php_socket(self, user: SystemUser, ver: str) -> str:
        """Where the customer's pool of this PHP version listens (nginx's fastcgi_pass)."""
        return php.socket_path(self.php_run_dir, user.name, ver)

    def php_versions(self) -> list[str]:
        """The PHP versions the server has: the php-fpmX.Y programs in ``php_fpm_dir`` (read once
        per job: the web job asks before and while applying the pools)."""
        if self._php_versions is None:
            self._php_versions = php.versions_in(self.host.listdir(self.php_fpm_dir))
        return list(self._php_versions)

    def apply_php(self, pools: Sequence[PhpPool]) -> ApplyResult:
        """Every pool of the server (others removed), per PHP version one master; ``php-fpmX.Y -t``
        checks each; on a refusal every file is put back as it was."""
        versions = self.php_versions()
        wanted: dict[str, dict[str, str]] = {v: {} for v in versions}
        for pool in pools:
            if php.version(pool.version) not in wanted:
                raise ApplyError(f"refused: PHP {pool.version} is not installed on this server "
                                 f"(found: {', '.join(versions) or 'none'})")
            name = f"{pool.user.name}.conf"
            if name in wanted[pool.version]:
                raise ApplyError(f"refused: {pool.user.name} has two pools of PHP {pool.version}")
            wanted[pool.version][name] = php.render_pool(pool, self.php_run_dir, self.web_group)
        if not versions:
            return ApplyResult(True, "php: no PHP-FPM on this server")
        with self.host.lock(str(self.config_dir)):
            self._dirs("run", "logs", *(f"php/{v}/pool.d" for v in versions))
            self.host.makedirs([str(self.php_run_dir)], mode=0o755)
            tx = self.transaction()
            checks = []
            for ver, files in wanted.items():
                root = php.version_dir(self.config_dir, ver)
                tx.write(root / "php-fpm.conf", php.render_master(self.config_dir, ver))
                for stale in self._listing(root / "pool.d", ".conf"):
                    if stale.name not in files and stale.name != php.IDLE_POOL:
                        tx.remove(stale)
                tx.write(root / "pool.d" / php.IDLE_POOL, php.render_idle(self.php_run_dir, ver))
                for name, text in files.items():
                    tx.write(root / "pool.d" / name, text)
                self.tools.setdefault(f"php-fpm{ver}", [php.binary(self.php_fpm_dir, ver)])
                checks.append((php.check_command(self.tool(f"php-fpm{ver}"), root / "php-fpm.conf"),
                               f"php-fpm{ver} -t"))

            def validate():
                for argv, name in checks:
                    self.run(argv, name)

            changed = self._write(tx, validate, "php")
        reloaded = []
        for ver in versions:
            root = php.version_dir(self.config_dir, ver)
            if any(root in path.parents for path in changed) and f"reload-php{ver}" in self.tools:
                self.run(self.tool(f"reload-php{ver}"), f"reload-php{ver}")
                reloaded.append(ver)
        summary = f"php: {len(pools)} pool(s) on PHP {', '.join(versions)}; {len(changed)} file(s) changed"
        return ApplyResult(True, summary + (f"; reloaded {', '.join(reloaded)}" if reloaded else ""))
