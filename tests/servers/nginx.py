"""A real nginx (Debian nginx-light) serving http and https on loopback ports, from a temp directory."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .certs import TlsMaterial
from .process import ServerProcess, free_ports

PAGE_TEXT = "probe test page: all systems nominal"
CHUNKED_KEYWORD = "rewritten on the fly"

CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    default_type text/plain;
    server {{
        listen 127.0.0.1:{http_port};
        listen 127.0.0.1:{https_port} ssl;
        server_name localhost;
        ssl_certificate {chain};
        ssl_certificate_key {key};
        location = / {{ return 200 "{page}\\n"; }}
        location = /status/503 {{ return 503 "down for maintenance\\n"; }}
        location = /redirect {{ return 302 /redirect2; }}
        location = /redirect2 {{ return 301 /; }}
        location = /loop {{ return 302 /loop; }}
        location = /to-https {{ return 301 https://127.0.0.1:{https_port}/; }}
        location /www/ {{
            root {d};
            sub_filter "MARKER" "{chunked_keyword}";
            sub_filter_once off;
            sub_filter_types *;
        }}
    }}
}}
"""


@dataclass
class NginxServer:
    """http_port and https_port on 127.0.0.1; the https certificate is `tls` (verify with tls.ca_file)."""

    binary: str
    directory: Path
    tls: TlsMaterial
    host: str = "127.0.0.1"
    http_port: int = 0
    https_port: int = 0
    process: ServerProcess | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.http_port:
            self.http_port, self.https_port = free_ports(2)
        d = self.directory
        for sub in ("tmp", "www"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / "www" / "chunked.html").write_text("<p>this page is MARKER</p>\n" * 50)
        (d / "nginx.conf").write_text(
            CONFIG.format(
                d=d,
                http_port=self.http_port,
                https_port=self.https_port,
                chain=self.tls.chain_file,
                key=self.tls.key_file,
                page=PAGE_TEXT,
                chunked_keyword=CHUNKED_KEYWORD,
            )
        )
        argv = [self.binary, "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")]
        self.process = ServerProcess("nginx", argv, [self.http_port, self.https_port], d / "error.log")

    def start(self) -> "NginxServer":
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()
