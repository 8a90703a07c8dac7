"""`make run`: the demo server (this machine, local driver) serves its sites for real. nginx runs on
the driver's own configuration (instance/local-server/config, port 8081 in the demo settings) once
the first web job wrote it, and one php-fpm master per PHP version on the pools the driver wrote
(workers/drivers/host/php.py); when the driver changes their files they are reloaded (SIGHUP for
nginx, SIGUSR2 for php-fpm). Only processes started here are signalled, by their own pid.
On a real server the provider's service manager runs them instead (README, "PHP sites")."""
from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

from workers.drivers.transport.local import SEARCH_PATH


def _signature(*paths: Path) -> tuple:
    """What changed since the last look: names, sizes and times of the files below the paths."""
    seen = []
    for path in paths:
        files = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        for f in files:
            try:
                info = f.stat()
            except OSError:
                continue
            seen.append((str(f), info.st_size, info.st_mtime_ns))
    return tuple(seen)


class DemoSites:
    def __init__(self, config_dir: Path, echo=print):
        self.config_dir = Path(config_dir)
        self.echo = echo
        self.procs: dict[str, subprocess.Popen] = {}
        self.seen: dict[str, tuple] = {}

    def _keep(self, name: str, argv: list[str], reload: signal.Signals, watched: tuple[Path, ...]) -> None:
        signature = _signature(*watched)
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            if signature != self.seen.get(name):
                proc.send_signal(reload)
        elif proc is None or signature != self.seen.get(name):  # a stopped one is tried again after a change
            self.procs[name] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL, start_new_session=True)
            self.echo(f"Started {name} for the demo server's sites")
        self.seen[name] = signature

    def poll(self) -> None:
        cfg = self.config_dir
        nginx = shutil.which("nginx", path=SEARCH_PATH)
        if nginx and (cfg / "nginx.conf").exists():
            self._keep("nginx", [nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"],
                       signal.SIGHUP, (cfg / "nginx.conf", cfg / "sites", cfg / "protect"))
        for conf in sorted(cfg.glob("php/*/php-fpm.conf")):
            binary = shutil.which(f"php-fpm{conf.parent.name}", path=SEARCH_PATH)
            if binary:
                self._keep(f"php-fpm{conf.parent.name}", [binary, "-F", "-y", str(conf)], signal.SIGUSR2,
                           (conf, conf.parent / "pool.d"))

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
