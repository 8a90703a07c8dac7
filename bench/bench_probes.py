"""Our probe engine against Prometheus blackbox_exporter on the same loopback endpoints.

Servers are the real ones the tests use (nginx, aiosmtpd, pyftpdlib, dovecot) started here on free
loopback ports. Both engines probe the same 1,100 endpoints of 11 protocols (http, https, ftp,
ftps, smtp+STARTTLS, smtps, pop3+STLS, pop3s, imap+STARTTLS, imaps, icmp) with the same 10 s
timeout, the same protocol depth (blackbox's query_response modules do what our probes do:
banner, EHLO/CAPA, STARTTLS/STLS/AUTH TLS, handshake with CA verification, EHLO again, QUIT; one
ICMP echo each) and the same concurrency. Our engine runs as the check job runs it (run_probes,
on uvloop). PostgreSQL/MySQL are left out: blackbox_exporter cannot speak them.

Results: checks per second and CPU seconds per 1,000 checks for both (ours: this process's CPU
time plus that of the probe processes it forks for the batch, which run_probes reaps before it
returns: the RUSAGE_CHILDREN delta; blackbox: the exporter's, from /proc — our HTTP client
driving it is not counted against it), and the wall time of one full monitoring cycle of 10,000
endpoints through the real job (probes + recording results and states in a fresh SQLite
database).

The servers being probed run on the same cores as the engine under test, so each figure also
records the whole machine's busy CPU (/proc/stat) per 1,000 checks and how much of it was not the
engine ("rest": the servers, the kernel's loopback work, and for blackbox our HTTP client): when
the machine is saturated, throughput is cores / (engine CPU + rest) per check.
"""
from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.certs import make_tls_material  # noqa: E402
from tests.servers.dovecot import DovecotServer  # noqa: E402
from tests.servers.nginx import NginxServer  # noqa: E402
from tests.servers.process import find_binary, free_ports, port_open  # noqa: E402
from tests.servers.pyservers import FtpServer, SmtpServer  # noqa: E402
from workers.probes import Endpoint, _loop_factory, run_probes  # noqa: E402
from workers.probes.shards import shard_count  # noqa: E402

PER_PROTOCOL = 100          # x 11 protocols = 1,100 endpoints
CONCURRENCY = 100           # in flight, both engines
TIMEOUT = 10                # seconds, both engines
CYCLE_ENDPOINTS = 10_000
CYCLE_CONCURRENCY = 200     # the check job's default bound
EXPORTER = "prometheus-blackbox-exporter"


def _tcp(steps, tls=False):
    # blackbox ends a line with "\n" only; FTP and SMTP servers want CRLF (copies: steps are shared)
    steps = [{**step, "send": step["send"] + "\r"} if "send" in step else step for step in steps]
    module = {"prober": "tcp", "timeout": f"{TIMEOUT}s", "tcp": {"preferred_ip_protocol": "ip4",
                                                                 "query_response": steps}}
    if tls or any("starttls" in s for s in steps):
        module["tcp"]["tls_config"] = "TLS"
    if tls:
        module["tcp"]["tls"] = True
    return module


def blackbox_modules(ca_file: str) -> dict:
    tls_config = {"ca_file": ca_file, "server_name": "localhost"}
    smtp_hello = [{"send": "EHLO [127.0.0.1]"}, {"expect": "^250 "}]
    modules = {
        "http": {"prober": "http", "timeout": f"{TIMEOUT}s",
                 "http": {"preferred_ip_protocol": "ip4", "valid_status_codes": [200]}},
        "https": {"prober": "http", "timeout": f"{TIMEOUT}s",
                  "http": {"preferred_ip_protocol": "ip4", "valid_status_codes": [200], "tls_config": tls_config}},
        "icmp": {"prober": "icmp", "timeout": f"{TIMEOUT}s", "icmp": {"preferred_ip_protocol": "ip4"}},
        "ftp": _tcp([{"expect": "^220 "}, {"send": "QUIT"}, {"expect": "^221"}]),
        "ftps": _tcp([{"expect": "^220 "}, {"send": "AUTH TLS"}, {"expect": "^234"}, {"starttls": True},
                      {"send": "QUIT"}, {"expect": "^221"}]),
        "smtp": _tcp([{"expect": "^220 "}, *smtp_hello, {"send": "STARTTLS"}, {"expect": "^220"},
                      {"starttls": True}, *smtp_hello, {"send": "QUIT"}, {"expect": "^221"}]),
        "smtps": _tcp([{"expect": "^220 "}, *smtp_hello, {"send": "QUIT"}, {"expect": "^221"}], tls=True),
        "pop3": _tcp([{"expect": "^\\+OK"}, {"send": "CAPA"}, {"expect": "^\\.$"}, {"send": "STLS"},
                      {"expect": "^\\+OK"}, {"starttls": True}, {"send": "QUIT"}, {"expect": "^\\+OK"}]),
        "pop3s": _tcp([{"expect": "^\\+OK"}, {"send": "QUIT"}, {"expect": "^\\+OK"}], tls=True),
        "imap": _tcp([{"expect": "^\\* OK"}, {"send": "p2 STARTTLS"}, {"expect": "^p2 OK"}, {"starttls": True},
                      {"send": "p4 LOGOUT"}, {"expect": "^p4 OK"}]),
        "imaps": _tcp([{"expect": "^\\* OK"}, {"send": "p4 LOGOUT"}, {"expect": "^p4 OK"}], tls=True),
    }
    for module in modules.values():
        if module.get("tcp", {}).get("tls_config") == "TLS":
            module["tcp"]["tls_config"] = tls_config
    return {"modules": modules}


class Servers:
    """The loopback servers both engines probe."""

    def __enter__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-probes-"))
        self.dir.chmod(0o755)
        self.tls = make_tls_material(self.dir / "tls")
        self._stack = ExitStack()
        self.nginx = self._start(NginxServer(find_binary("nginx"), self.dir / "nginx", self.tls))
        self.smtp = self._start(SmtpServer(self.dir / "smtp", self.tls))
        self.ftp = self._start(FtpServer(self.dir / "ftp", self.tls))
        dovecot = DovecotServer(find_binary("dovecot"), self.dir / "dovecot", self.tls)
        self._high_performance(dovecot.directory / "dovecot.conf")
        self.dovecot = self._start(dovecot)
        return self

    @staticmethod
    def _high_performance(conf: Path) -> None:
        """Dovecot's default login service forks one process per connection, at most 100: the
        documented high-performance mode serves many clients per process, for both engines."""
        text = conf.read_text()
        for service in ("imap-login", "pop3-login"):
            text = text.replace(f"service {service} {{\n", f"service {service} {{\n  service_count = 0\n"
                                "  process_min_avail = 2\n  client_limit = 2000\n", 1)
        conf.write_text("default_client_limit = 4000\n" + text)

    def _start(self, server):
        server.start()
        self._stack.callback(server.stop)
        return server

    def __exit__(self, *exc):
        self._stack.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def targets(self) -> dict[str, int | None]:
        return {"http": self.nginx.http_port, "https": self.nginx.https_port, "icmp": None,
                "ftp": self.ftp.tls_port, "ftps": self.ftp.tls_port, "smtp": self.smtp.starttls_port,
                "smtps": self.smtp.smtps_port, "pop3": self.dovecot.pop3_port, "pop3s": self.dovecot.pop3s_port,
                "imap": self.dovecot.imap_port, "imaps": self.dovecot.imaps_port}

    def endpoints(self, total: int) -> list[Endpoint]:
        kinds = list(self.targets().items())
        # one ICMP echo per check, as blackbox_exporter sends (our default is 3)
        return [Endpoint(protocol, "127.0.0.1", port, timeout=TIMEOUT, server_name="localhost",
                         ca_file=self.tls.ca_file, echoes=1)
                for protocol, port in (kinds[i % len(kinds)] for i in range(total))]


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> float:
    """Busy CPU seconds of the whole machine (every core, every process, the kernel's network work)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    """CPU time of the reaped child processes (the servers stay running, so only our probe shards)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_ours(endpoints: list[Endpoint], processes: int | None = None) -> dict:
    machine, cpu, wall = _machine_cpu(), time.process_time() + _children_cpu(), time.perf_counter()
    results = run_probes(endpoints, CONCURRENCY, processes)  # forks and reaps its probe processes inside
    wall, cpu = time.perf_counter() - wall, time.process_time() + _children_cpu() - cpu
    down = [r for r in results if not r.up]
    return {"wall": wall, "cpu": cpu, "machine": _machine_cpu() - machine, "up": len(results) - len(down),
            "n": len(results),
            "reasons": sorted({f"{r.endpoint.protocol}: {r.reason}" for r in down})[:10]}


async def _drive(port: int, paths: list[str], concurrency: int) -> list[bool]:
    """GET /probe?... on keep-alive connections, `concurrency` at a time; True when probe_success 1."""
    queue: asyncio.Queue = asyncio.Queue()
    for i, path in enumerate(paths):
        queue.put_nowait((i, path))
    out = [False] * len(paths)

    async def client():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                i, path = queue.get_nowait()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             f"X-Prometheus-Scrape-Timeout-Seconds: {TIMEOUT + 0.5}\r\n\r\n".encode())
                head = (await reader.readuntil(b"\r\n\r\n")).lower()
                if b"transfer-encoding: chunked" in head:
                    body = b""
                    while size := int((await reader.readline()).strip(), 16):
                        body += await reader.readexactly(size)
                        await reader.readline()
                    await reader.readline()
                else:
                    length = int(head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
                    body = await reader.readexactly(length)
                out[i] = b"\nprobe_success 1\n" in body
        finally:
            writer.close()

    # bounded: every probe has its timeout, so the whole batch cannot take longer than this
    async with asyncio.timeout(TIMEOUT * (len(paths) / concurrency + 2) + 30):
        await asyncio.gather(*(client() for _ in range(min(concurrency, len(paths)))))
    return out


def _run(coro):
    """The HTTP client driving the exporter shares the 2 cores: keep it light (uvloop too)."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(coro)


class Blackbox:
    """blackbox_exporter on a free loopback port with our modules; .probe(endpoints) -> measurement."""

    def __init__(self, servers: Servers):
        self.binary = find_binary(EXPORTER)
        if self.binary is None:
            raise RuntimeError(f"{EXPORTER} is not installed (Debian package {EXPORTER})")
        (self.port,) = free_ports(1)
        config = servers.dir / "blackbox.yml"
        config.write_text(json.dumps(blackbox_modules(servers.tls.ca_file)))  # JSON is YAML
        self.proc = subprocess.Popen([self.binary, f"--config.file={config}",
                                      f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=error"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.version = subprocess.run([self.binary, "--version"], capture_output=True,
                                      text=True).stdout.split("\n")[0]

    def __enter__(self):
        deadline = time.monotonic() + 15
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("blackbox_exporter did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    @staticmethod
    def path(e: Endpoint) -> str:
        if e.protocol == "icmp":
            target = "127.0.0.1"
        elif e.protocol in ("http", "https"):
            target = f"{e.protocol}://127.0.0.1:{e.port}/"
        else:
            target = f"127.0.0.1:{e.port}"
        return f"/probe?module={e.protocol}&target={target}"

    def probe(self, endpoints: list[Endpoint]) -> dict:
        paths = [self.path(e) for e in endpoints]
        machine, driver = _machine_cpu(), time.process_time()
        cpu, wall = _cpu_of(self.proc.pid), time.perf_counter()
        ok = _run(_drive(self.port, paths, CONCURRENCY))
        wall, cpu = time.perf_counter() - wall, _cpu_of(self.proc.pid) - cpu
        machine, driver = _machine_cpu() - machine, time.process_time() - driver
        return {"wall": wall, "cpu": cpu, "machine": machine, "driver": driver, "up": sum(ok), "n": len(ok),
                "down_modules": sorted({endpoints[i].protocol for i, good in enumerate(ok) if not good})}


def measure_cycle(servers: Servers, total: int) -> dict:
    """One monitoring cycle of `total` endpoints through the real check job and a fresh database."""
    from datetime import datetime, timezone

    from sqlalchemy import func, select

    from tenants.db import make_engine, make_session_factory
    from tenants.models import CheckResult, MonitoredEndpoint, Server
    from tenants.settings import load_settings
    from tenants.tenancy import Scope
    from workers import runtime
    from workers.cli import migrate_database
    from workers.jobs.monitoring.checks import check_server, probe_processes

    db = servers.dir / "cycle.db"
    settings = load_settings({"database_url": f"sqlite:///{db}", "instance_path": str(servers.dir / "instance")})
    migrate_database(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    runtime.configure(settings, sessions)
    with sessions().bind_scope(Scope.system()) as s:
        server = Server(hostname="bench.example.jp", address="127.0.0.1", role="all-in-one", driver="ssh")
        s.add(server)
        s.flush()
        s.add_all([MonitoredEndpoint(server_id=server.id, protocol=e.protocol, port=e.port, host=e.host,
                                     server_name=e.server_name, ca_file=e.ca_file, timeout_seconds=e.timeout,
                                     path=f"/?n={i}" if e.protocol.startswith("http") else "/")
                   for i, e in enumerate(servers.endpoints(total))])
        s.commit()
        server_id = server.id
    cycle = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc).isoformat()
    cpu, wall = time.process_time() + _children_cpu(), time.perf_counter()
    outcome = check_server(server_id, cycle, concurrency=CYCLE_CONCURRENCY)  # bounded by probe timeouts
    wall, cpu = time.perf_counter() - wall, time.process_time() + _children_cpu() - cpu
    with sessions().bind_scope(Scope.system()) as s:
        stored = s.scalar(select(func.count()).select_from(CheckResult))
        up = s.scalar(select(func.count()).select_from(CheckResult).where(CheckResult.up.is_(True)))
    return {"wall": wall, "cpu": cpu, "recorded": outcome["recorded"], "stored": stored, "up": up,
            "processes": shard_count(total, CYCLE_CONCURRENCY, probe_processes())}


ROUNDS = 7  # alternating rounds; the median round is reported (the machine is shared and noisy)


def _median(rounds: list[dict]) -> dict:
    return sorted(rounds, key=lambda r: r["n"] / r["wall"])[len(rounds) // 2]


def run() -> list[dict]:
    load_before = os.getloadavg()[0]  # the machine is shared: a busy one lowers both engines' figures
    with Servers() as servers:
        endpoints = servers.endpoints(PER_PROTOCOL * len(servers.targets()))
        with Blackbox(servers) as blackbox:
            run_probes(endpoints[:55], CONCURRENCY)  # warm-up both (imports, TLS contexts, processes)
            blackbox.probe(endpoints[:55])
            ours_rounds, their_rounds, one_loop_rounds = [], [], []
            for _ in range(ROUNDS):
                ours_rounds.append(measure_ours(endpoints))
                their_rounds.append(blackbox.probe(endpoints))
                one_loop_rounds.append(measure_ours(endpoints, processes=1))  # for reference only
            version = blackbox.version
        cycle = measure_cycle(servers, CYCLE_ENDPOINTS)
    ours, theirs = _median(ours_rounds), _median(their_rounds)
    ours_rate, their_rate = ours["n"] / ours["wall"], theirs["n"] / theirs["wall"]
    ours_cpu, their_cpu = 1000 * ours["cpu"] / ours["n"], 1000 * theirs["cpu"] / theirs["n"]
    common = {"endpoints": len(endpoints), "concurrency": CONCURRENCY, "timeout_s": TIMEOUT,
              "cores": os.cpu_count(), "rounds": ROUNDS,
              "ours_processes": shard_count(len(endpoints), CONCURRENCY),
              "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
              "ours_cpu_counts": "own process + reaped probe processes (RUSAGE_CHILDREN)",
              "ours_rounds_checks_per_s": [round(r["n"] / r["wall"], 1) for r in ours_rounds],
              "anchor_rounds_checks_per_s": [round(r["n"] / r["wall"], 1) for r in their_rounds],
              "ours_one_process_rounds_checks_per_s": [round(r["n"] / r["wall"], 1) for r in one_loop_rounds],
              "ours_one_process_rounds_cpu_per_1000": [round(1000 * r["cpu"] / r["n"], 3) for r in one_loop_rounds],
              # the whole machine's busy CPU per 1,000 checks, and the part that is not the engine: the
              # servers being probed, the kernel's loopback work (and, for blackbox, our HTTP client)
              "ours_machine_cpu_per_1000": round(1000 * ours["machine"] / ours["n"], 3),
              "anchor_machine_cpu_per_1000": round(1000 * theirs["machine"] / theirs["n"], 3),
              "ours_rest_cpu_per_1000": round(1000 * (ours["machine"] - ours["cpu"]) / ours["n"], 3),
              "anchor_rest_cpu_per_1000": round(1000 * (theirs["machine"] - theirs["cpu"]) / theirs["n"], 3),
              "anchor_driver_cpu_per_1000": round(1000 * theirs["driver"] / theirs["n"], 3),
              "machine_busy_share": [round(r["machine"] / (r["wall"] * (os.cpu_count() or 1)), 2)
                                     for r in (ours, theirs)],
              "ours_up": ours["up"], "anchor_up": theirs["up"],
              "ours_down_reasons": ours["reasons"], "anchor_down_modules": theirs["down_modules"]}
    return [
        {"name": "probes_checks_per_second", "unit": "checks/s", "ours": round(ours_rate, 1),
         "anchor": version, "anchor_value": round(their_rate, 1),
         "ratio": round(ours_rate / their_rate, 2), "target": ">= 1.5", **common},
        {"name": "probes_cpu_seconds_per_1000_checks", "unit": "CPU s / 1,000 checks", "ours": round(ours_cpu, 3),
         "anchor": version, "anchor_value": round(their_cpu, 3),
         "ratio": round(ours_cpu / their_cpu, 2), "target": "lower is better (ratio < 1 beats the anchor)",
         **common},
        {"name": "monitoring_cycle_10000_endpoints", "unit": "s wall", "ours": round(cycle["wall"], 1),
         "anchor": "target", "anchor_value": 60, "ratio": round(cycle["wall"] / 60, 2),
         "target": "< 60 s on 2 cores", "endpoints": CYCLE_ENDPOINTS, "concurrency": CYCLE_CONCURRENCY,
         "cpu_seconds": round(cycle["cpu"], 1), "recorded": cycle["recorded"], "up": cycle["up"],
         "processes": cycle["processes"],
         "cores": os.cpu_count()},
    ]
