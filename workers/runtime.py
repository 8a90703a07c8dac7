"""What a job needs to run: settings and a session factory, configured once per process.

The web app configures it in create_app(); a worker started with `flask --app app worker` inherits
that, and forked work horses inherit the worker's. Jobs open their own session with job_session().
"""
from __future__ import annotations

from tenants.db import make_engine, make_session_factory
from tenants.settings import Settings, load_settings
from tenants.tenancy import Scope

_state: dict = {}


def configure(settings: Settings, sessions) -> None:
    _state["settings"] = settings
    _state["sessions"] = sessions


def _ensure() -> None:
    if "sessions" not in _state:
        settings = load_settings()
        configure(settings, make_session_factory(make_engine(settings.database_url)))


def settings() -> Settings:
    _ensure()
    return _state["settings"]


def job_session():
    """A fresh session with the system scope: jobs act for the provider, across tenants."""
    _ensure()
    return _state["sessions"]().bind_scope(Scope.system())
