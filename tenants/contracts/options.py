"""Options of the managed service (optional-service spec) and what each switches on in the
monitoring engine. Each option has its own start and its own 12-month minimum term (§6.3)."""
from __future__ import annotations

from datetime import date

from tenants import audit
from tenants.contracts.charges import bill_option_early_charge
from tenants.contracts.models import ContractStatus as S
from tenants.contracts.money import early_cancellation_charge
from tenants.contracts.option_kinds import OPTION_KINDS, option_label
from tenants.contracts.terms import check_cancellation_date, option_minimum_term_end
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Contract, ContractOption

__all__ = ["OPTION_KINDS", "option_label"]  # also read from here by the screens

# basic service spec: ping every 10 minutes, disk use per partition alerting at 90 %
BASE_FEATURES = frozenset({"ping", "disk_partition_90"})
# optional-service spec, 運用サポート Gold: file count and DB size at 90 %, hourly system-log
# collection with error detection, MRTG-style graphs
GOLD_FEATURES = frozenset({"file_count_90", "db_size_90", "hourly_log_collection",
                           "log_error_detection", "resource_graphs"})
# Platinum: everything of Gold, inode use alerting at 50 %, 24/365 work
PLATINUM_FEATURES = GOLD_FEATURES | {"inode_50", "work_24_365"}
OPTION_FEATURES: dict[str, frozenset[str]] = {
    "gold_support": GOLD_FEATURES,
    "platinum_support": PLATINUM_FEATURES,
    "daily_backup": frozenset({"daily_backup_7_generations"}),
    "port_monitoring": frozenset({"port_http", "port_ftp", "port_smtp", "port_pop"}),
    "database_monitoring": frozenset({"db_postgresql", "db_mysql"}),
}


def is_option_active(option: ContractOption, on: date) -> bool:
    return option.starts_on <= on and (option.cancelled_on is None or on <= option.cancelled_on)


# optional-service spec (what each option includes); basic service spec (basic monitoring)
def monitoring_features(contract: Contract, on: date) -> frozenset[str]:
    """What the monitoring engine watches for this contract's server on ``on``: the basic
    monitoring of every running contract plus what its active options include. The monitoring
    engine reads this (no monitoring tables exist in this branch to hold a flag)."""
    if not contract.is_running:
        return frozenset()
    features = set(BASE_FEATURES)
    for option in contract.options:
        if is_option_active(option, on):
            features |= OPTION_FEATURES.get(option.kind, frozenset())
    return frozenset(features)


# managed terms §6.3 (an option added later has its own 12-month minimum from its own start)
def add_option(session, actor, contract: Contract, kind: str, starts_on: date, monthly_fee: int) -> ContractOption:
    problems: list[Problem] = []
    if kind not in OPTION_KINDS:
        problems.append(Problem(N_("Choose one of the listed values."), "kind"))
    if isinstance(monthly_fee, bool) or not isinstance(monthly_fee, int) or monthly_fee < 0:
        problems.append(Problem(N_("Enter an amount of yen of 0 or more."), "monthly_fee"))
    if contract.status not in (S.ACCEPTED, S.NOTIFIED, S.CONFIRMED, S.FORMED, S.SUSPENDED):
        problems.append(Problem(N_("This step is not possible while the contract is %(status)s."),
                                None, {"status": contract.status}))
    elif contract.billing_starts_on and starts_on < contract.billing_starts_on:
        problems.append(Problem(N_("An option cannot start before the contract's billing start."),
                                "starts_on"))
    if any(o.kind == kind and o.cancelled_on is None for o in contract.options):
        problems.append(Problem(N_("This option is already part of the contract."), "kind"))
    if problems:
        raise RuleViolation(problems)
    option = ContractOption(contract_id=contract.id, reseller_id=contract.reseller_id, kind=kind,
                            starts_on=starts_on, monthly_fee=monthly_fee,
                            minimum_term_ends_on=option_minimum_term_end(starts_on))
    contract.options.append(option)
    session.flush()
    audit.record(session, actor, "managed.option.add", contract, f"option {kind} from {starts_on.isoformat()}")
    return option


# managed terms §6.3, §6.4, §11
def cancel_option(session, actor, option: ContractOption, notified_on: date, cancelled_on: date) -> int:
    """Cancel one option (the same notice rule as the contract); returns its early charge, which
    is billed at once on an invoice of its own, due by the end of the cancellation month (§6.4)."""
    if option.cancelled_on is not None:
        raise RuleViolation.one(N_("This option is already cancelled."), None)
    check_cancellation_date(notified_on, cancelled_on)
    if cancelled_on < option.starts_on:
        raise RuleViolation.one(N_("The cancellation date cannot be before the option's start."),
                                "cancellation_date")
    option.cancelled_on = cancelled_on
    option.early_cancellation_charge = early_cancellation_charge(
        option.monthly_fee, option.minimum_term_ends_on, cancelled_on)
    session.flush()
    bill_option_early_charge(session, option, notified_on)
    audit.record(session, actor, "managed.option.cancel", option.contract,
                 f"option {option.kind} cancelled on {cancelled_on.isoformat()}")
    return option.early_cancellation_charge
