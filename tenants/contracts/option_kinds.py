"""The options of the managed service by code (optional-service spec), with their names."""
from __future__ import annotations

from tenants.errors import N_

# optional-service spec: code -> English msgid (the panel translates it)
OPTION_KINDS: dict[str, str] = {
    "silver_support": N_("Operation support Silver"),
    "gold_support": N_("Operation support Gold"),
    "platinum_support": N_("Operation support Platinum"),
    "second_disk_backup": N_("In-server 2nd-disk backup"),
    "daily_backup": N_("Daily full backup (7 generations)"),
    "snapshot_backup": N_("Snapshot backup"),
    "backup_server": N_("Dedicated backup server"),
    "port_monitoring": N_("Port monitoring (http, ftp, smtp, pop)"),
    "database_monitoring": N_("Database monitoring (PostgreSQL, MySQL)"),
    "dedicated_firewall": N_("Dedicated firewall"),
    "dedicated_load_balancer": N_("Dedicated load balancer"),
    "operation_proxy": N_("Operation proxy"),
}


def option_label(kind: str) -> str:
    return OPTION_KINDS.get(kind, kind)
