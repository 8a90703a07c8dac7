"""How jobs reach a server. Which drivers this installation can use is decided here and nowhere
else: jobs ask ``reachable(server)`` (or filter with ``reachable_filter()``) instead of looking at
``server.driver`` themselves."""
from __future__ import annotations

AVAILABLE = ("local",)  # the machine the panel runs on; other servers come with the SSH transport


def reachable(server) -> bool:
    """Whether a job here can act on this server through its driver."""
    return server.driver in AVAILABLE


def reachable_filter(server_model):
    """The same as a query condition on the Server model."""
    return server_model.driver.in_(AVAILABLE)


def unavailable_reason(server) -> str:
    return f"the {server.driver} driver is not available on this installation"
