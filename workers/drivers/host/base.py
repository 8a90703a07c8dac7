"""The plumbing of the host driver, the same over every transport: tools found on the host, commands
run there (argument lists, LC_ALL=C, a timeout), configuration written in one transaction and
validated there, a refused item isolated (isolation.py), the service reloaded when something
changed. services live in driver.py."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from workers.drivers.errors import CommandNotStarted, CommandTimeout, TransportError
from workers.drivers.host import isolation, nginx, postfix
from workers.drivers.host.files import ConfigTransaction
from workers.drivers.host.spec import ApplyError, ApplyResult, LeftOut
from workers.drivers.transport.base import Transport

DEFAULT_TOOLS = {name: [name] for name in ("nginx", "postmap", "named-checkzone", "named-checkconf", "pure-pw",
                                           "getent", "groupadd", "useradd", "chown", "chmod", "stat", "xargs",
                                           "sievec", "opendkim", "userdel", "usermod", "chpasswd", "sshd")}
PACKAGES = {"nginx": "nginx-light", "postmap": "postfix", "named-checkzone": "bind9-utils",
            "named-checkconf": "bind9-utils", "pure-pw": "pure-ftpd", "sievec": "dovecot-sieve",
            "opendkim": "opendkim", "sshd": "openssh-server"}


class Resolver:
    """``realpath`` on the driver's host, asked in batches (one round trip over SSH) and remembered
    for the rest of the step."""

    def __init__(self, host: Transport):
        self.host = host
        self.known: dict[str, str] = {}

    def prefetch(self, paths: Iterable[str]) -> None:
        todo = sorted({str(p) for p in paths} - set(self.known))
        if todo:
            self.known.update(self.host.realpaths(todo))

    def __call__(self, path) -> str:
        path = str(path)
        if path not in self.known:
            self.prefetch([path])
        return self.known.get(path, os.path.normpath(path))


class LiveTexts(Mapping[str, str]):
    """The texts in place on the server by key, read in one round trip on first use: an apply
    that nothing refuses never reads them."""

    def __init__(self, host, paths: Mapping[str, Path]):
        self._host, self._paths = host, paths
        self._texts: dict[str, str] | None = None

    def _loaded(self) -> dict[str, str]:
        if self._texts is None:
            found = self._host.snapshots([str(path) for path in self._paths.values()])
            self._texts = {key: state.data.decode("utf-8", "replace") for key, path in self._paths.items()
                           if (state := found.get(str(path))) is not None}
        return self._texts

    def __getitem__(self, key: str) -> str:
        return self._loaded()[key]

    def __iter__(self):
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


class HostBase:
    def __init__(self, config_dir: Path | str | None = None, db_admin: dict[str, dict] | None = None,
                 tools: dict[str, list[str]] | None = None, *, transport: Transport | None = None,
                 http_listen: Sequence[str] = ("80",), https_listen: Sequence[str] = ("443",),
                 nginx_user: str | None = None, mail_root: str = "/var/mail/vhosts", postfix_map_type: str = "hash",
                 nameservers: Sequence[str] = (), secret_group: str | None = None, timeout: float = 120,
                 web_group: str = "www-data", php_fpm_dir: str = "/usr/sbin", php_socket_dir: str | None = None,
                 dkim_group: str = "opendkim"):
        from workers.drivers.transport.local import LOCAL

        self.host: Transport = transport if transport is not None else LOCAL
        if config_dir and self.host.on_this_machine:
            config_dir = os.path.abspath(config_dir)
        self._config_dir = Path(nginx.safe_path(str(config_dir), "config directory")) if config_dir else None
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
        self.web_group = nginx.system_user(web_group)  # owns customers' homes with them (users.py)
        self.php_fpm_dir = nginx.safe_path(php_fpm_dir, "PHP-FPM directory")
        self.php_socket_dir = nginx.safe_path(php_socket_dir, "PHP socket directory") if php_socket_dir else None
        self.secret_group = secret_group
        self.dkim_group = nginx.system_user(dkim_group)  # OpenDKIM reads the signing keys as this group (dkim.py)
        self._secret_gid: tuple[int | None] | None = None
        self._found: dict[str, str | None] = {}
        self._php_versions: list[str] | None = None  # read once per job (users.HostUsers.php_versions)
        self.missing_config = "this server has no driver settings (config_dir) yet; ask the provider"
        self.settings: dict = {}  # the server's other settings (driver_for fills them in)

    @property
    def config_dir(self) -> Path:
        if self._config_dir is None:
            raise ApplyError(self.missing_config)
        return self._config_dir

    @property
    def secret_gid(self) -> int | None:
        """The group services read secret files as (``secret_group``), looked up on the host."""
        if self._secret_gid is None:
            gid = self.host.group_id(self.secret_group) if self.secret_group else None
            if self.secret_group and gid is None:
                raise ApplyError(f"refused: there is no group {self.secret_group!r} on this machine")
            self._secret_gid = (gid,)
        return self._secret_gid[0]

    def close(self) -> None:
        self.host.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- tools --------------------------------------------------------------------------------

    def tool(self, name: str) -> list[str]:
        """The argument list of a tool, its program resolved on the host; ApplyError when missing."""
        argv = self.tools.get(name)
        if not argv or isinstance(argv, str):
            raise ApplyError(f"no command configured for {name!r}")
        program = argv[0]
        if program not in self._found:
            self._resolve_programs(program)
        resolved = self._found[program]
        if resolved is None:
            hint = f" (Debian package {PACKAGES[name]})" if name in PACKAGES else ""
            raise ApplyError(f"{program} is not installed on this server{hint}; nothing was changed", tool=name)
        return [resolved, *argv[1:]]

    def _resolve_programs(self, program: str) -> None:
        """Look every configured program up on the host in one command (``which`` answers only
        for executables, by name or by path): a job that uses ten tools pays one round trip."""
        wanted = {program} | {argv[0] for argv in self.tools.values()
                              if isinstance(argv, list) and argv and isinstance(argv[0], str)}
        todo = sorted(wanted - set(self._found))
        found = self.host.which(todo)
        self._found.update({name: found.get(name) for name in todo})

    def execute(self, argv: list[str], name: str, stdin: bytes | None = None):
        """Run one command on the host; the finished command (any exit status) or ApplyError when it
        could not run or did not finish."""
        try:
            return self.host.run(argv, self.timeout, stdin)
        except CommandTimeout:
            raise ApplyError(f"{name} did not finish within {self.timeout:g} s", tool=name) from None
        except CommandNotStarted as exc:
            raise ApplyError(f"{name} could not be started: {exc}", tool=name) from exc

    def run(self, argv: list[str], name: str) -> str:
        """Run one command (a list, no shell); its output, or ApplyError with what it said."""
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            raise TypeError("commands are argument lists")
        done = self.execute(argv, name)
        if done.returncode != 0:
            raise ApplyError(f"{name} failed (exit status {done.returncode}); the previous configuration "
                             "is still in place", tool=name, output=done.output)
        return done.output

    # --- writing --------------------------------------------------------------------------------

    def transaction(self) -> ConfigTransaction:
        return ConfigTransaction(self.host)

    def _write(self, tx: ConfigTransaction, validate, service: str) -> list[Path]:
        try:
            return tx.commit(validate)
        except TransportError:
            raise
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
                         wanted: dict[str, str], live: Mapping[str, str],
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
            with self.host.temp_dir(str(self.config_dir), ".check-") as scratch:
                files(Path(scratch), texts)
                try:
                    for argv, name in commands(Path(scratch), texts):
                        self.run(argv, name)
                except ApplyError as exc:
                    if exc.tool is None:
                        raise
                    return exc
            return None
        return check

    def put(self, path: Path, text: str) -> None:
        """Write one scratch file on the host (no transaction: scratch folders are thrown away)."""
        self.host.write_file(str(path), text.encode("utf-8"))

    def _texts(self, paths: Mapping[str, Path]) -> Mapping[str, str]:
        """The files in place now, by key (the versions kept for items refused in a change); read
        from the server only when a refusal needs them."""
        return LiveTexts(self.host, paths)

    def _dir(self, *parts: str) -> Path:
        path = self.config_dir.joinpath(*parts)
        self.host.makedirs([str(path)])
        return path

    def _dirs(self, *subs: str) -> None:
        self.host.makedirs([str(self.config_dir / sub) for sub in subs])

    def _listing(self, directory: Path, suffix: str) -> list[Path]:
        """What ``directory.glob('*' + suffix)`` finds, on the host."""
        return [directory / name for name in self.host.listdir(str(directory))
                if name.endswith(suffix) and not name.startswith(".")]
