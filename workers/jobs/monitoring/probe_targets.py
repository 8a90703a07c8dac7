"""What the probes check for a monitored endpoint: the one place a MonitoredEndpoint (and its
server) becomes a probe Endpoint, for the monitoring cycle and for the re-probe after a restart
alike (the host defaults to the server's address, TLS services name the server's host name for
SNI, the password is opened from its sealed secret)."""
from __future__ import annotations

from tenants.crypto import SecretBox
from tenants.models import MonitoredEndpoint, Server
from tenants.monitoring.endpoints import TLS_PROTOCOLS, endpoint_password
from workers import runtime
from workers.probes import Endpoint, ProbeResult, run_probes


def probe_target(endpoint: MonitoredEndpoint, server: Server, box: SecretBox) -> Endpoint:
    return Endpoint(
        protocol=endpoint.protocol, host=endpoint.host or server.address, port=endpoint.port,
        timeout=endpoint.timeout_seconds or 10.0,
        server_name=endpoint.server_name or (server.hostname if endpoint.protocol in TLS_PROTOCOLS else None),
        expect_status=endpoint.expect_status or 200, path=endpoint.path or "/", keyword=endpoint.keyword,
        username=endpoint.username, password=endpoint_password(box, endpoint), database=endpoint.database,
        verify_tls=endpoint.verify_tls, ca_file=endpoint.ca_file)


def probe_now(endpoint: MonitoredEndpoint, server: Server) -> ProbeResult:
    """Probe one endpoint now, the way the monitoring cycle does."""
    box = SecretBox(runtime.settings().encryption_keys)
    return run_probes([probe_target(endpoint, server, box)], 1)[0]
