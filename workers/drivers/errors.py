"""What can go wrong when the panel acts on a server, whichever way it reaches it.

``ApplyError``: a change was refused or a tool failed; the previous configuration is still in
place. ``TransportError`` (an ApplyError with no tool): the server could not be reached, or
refused the panel, so the step did not run there; the jobs mark the change failed with this
reason and the usual retry applies it once the link is back. ``HostKeyMismatch``: the server
answered with another host key than the one pinned when it was registered; the panel never
accepts it silently.
"""
from __future__ import annotations


class ApplyError(Exception):
    """A change was refused or a tool failed; the previous configuration is still in place."""

    def __init__(self, message: str, *, tool: str | None = None, output: str = "", problems=None):
        self.message = message
        self.tool = tool
        self.output = output
        self.problems = list(problems or [])
        super().__init__(message if not output else f"{message}\n{output}")


class TransportError(ApplyError):
    """The server could not be reached (or the link broke): nothing ran there in this step."""


class LoginFailed(TransportError):
    """The panel could not log into the server at all (no connection, or its key refused): the
    condition of level 2 (OEM spec 障害レベル2: ログインできない場合)."""


class KeyRefused(LoginFailed):
    """The server answered but did not accept the panel's key for this server (or there is none yet)."""


class HostKeyMismatch(TransportError):
    """The server's host key is not the pinned one: refused, never accepted silently."""


class CommandTimeout(Exception):
    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"did not finish within {seconds:g} s")


class CommandNotStarted(Exception):
    """The program could not be started (not found, not executable)."""
