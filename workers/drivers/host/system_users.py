"""Which customer a local mail submitter is (issue 20: postfix ``pickup`` logs ``uid=`` for mail a
web script sent through sendmail). The uid is looked up on the server itself (``getent passwd``,
through the driver's transport), and its home folder names the customer: customers live in
``<homes_root>/<customer id>`` (workers/jobs/hosting/wanted_state.Site.home)."""
from __future__ import annotations

import os

GETENT_TIMEOUT = 30.0


def homes_root(driver) -> str | None:
    root = driver.settings.get("homes_root")
    if root:
        return str(root)
    try:
        return f"{driver.config_dir}/homes"
    except Exception:  # noqa: BLE001 - a server without driver settings has no customer homes
        return None


def customers_of_uids(driver, uids) -> dict[int, int]:
    """uid -> customer id, for the uids whose home is a customer's home (or below it)."""
    uids = sorted({int(u) for u in uids})
    root = homes_root(driver)
    if not uids or not root:
        return {}
    done = driver.execute(["getent", "passwd", *[str(u) for u in uids]], "getent")
    if done.returncode not in (0, 2):  # 2: some uid unknown, the others are printed
        return {}
    prefix = os.path.normpath(root) + "/"
    out: dict[int, int] = {}
    for line in done.stdout.splitlines():
        fields = line.split(":")
        if len(fields) < 7 or not fields[2].isdigit():
            continue
        home = os.path.normpath(fields[5]) + "/"
        if home.startswith(prefix):
            first = home[len(prefix):].split("/", 1)[0]
            if first.isdigit():
                out[int(fields[2])] = int(first)
    return out
