"""The four panels in one table: where each lives, its layout, its home and its login page. The app
picks a panel's look for error pages and where to send someone who must log in from here."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    prefix: str   # URL prefix of its blueprint
    layout: str   # the template its pages and error pages extend
    home: str     # endpoint of its start page
    login: str    # endpoint of its login page


PROVIDER = Panel("/admin", "provider/layout.html", "provider.dashboard", "provider.login")
RESELLER = Panel("/panel", "reseller/layout.html", "reseller.dashboard", "reseller.login")
MANAGED = Panel("/managed", "managed/layout.html", "managed.dashboard", "managed.login")
# the end-user panel lives under /u/<reseller code>/: its home is the reseller's login page
ENDUSER = Panel("/u/", "enduser/layout.html", "enduser.login", "enduser.login")
PANELS = (PROVIDER, RESELLER, MANAGED, ENDUSER)


def panel_for(path: str) -> Panel | None:
    """The panel a path belongs to, or None (the start page, the API, static files)."""
    return next((p for p in PANELS if path.startswith(p.prefix)), None)
