"""Consumption tax on invoices and the qualified-invoice registration number (適格請求書等保存方式,
消費税法第57条の4).

A qualified invoice states, per tax rate, the total of the items at that rate and the tax on it,
and the tax is computed **once per invoice per rate** from that total (消費税法施行令第70条の10:
one rounding per rate per invoice, never per line). Amounts are integer yen, exclusive of tax;
the rounding of the fraction below 1 yen is the issuer's choice (切り捨て by default).

Some charges are no consideration for a supply and bear no consumption tax (不課税): late damages
(損害賠償金, 消費税法基本通達5-2-5) and the remaining fees of a minimum term paid on early
cancellation (逸失利益の補填としての解約損料, 基本通達5-5-2). They are listed as 対象外.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from tenants.errors import N_, RuleViolation

STANDARD_RATE = 10  # 標準税率 (消費税 7.8 % + 地方消費税 2.2 %)
REDUCED_RATE = 8    # 軽減税率 (food, newspapers): offered for completeness
RATES = (STANDARD_RATE, REDUCED_RATE)

# invoice line item -> its tax rate; None: not subject to consumption tax (不課税, 対象外)
ITEM_RATES: dict[str, int | None] = {
    "initial_fee": STANDARD_RATE,
    "base": STANDARD_RATE,
    "option": STANDARD_RATE,
    "extra": STANDARD_RATE,          # the provider may choose the reduced rate on the form
    "oem_plan": STANDARD_RATE,
    "oem_server": STANDARD_RATE,
    "early_cancellation": None,      # 基本通達5-5-2 (解約損料)
    "late_damages": None,            # 基本通達5-2-5 (損害賠償金)
}


class Rounding(enum.StrEnum):
    """How the tax of one rate is rounded to whole yen (the issuer's choice, stated on the invoice)."""
    FLOOR = "floor"      # 切り捨て
    HALF_UP = "half_up"  # 四捨五入
    CEIL = "ceil"        # 切り上げ


ROUNDING_LABELS_JA = {Rounding.FLOOR: "切り捨て", Rounding.HALF_UP: "四捨五入", Rounding.CEIL: "切り上げ"}


def rate_of_item(item: str) -> int | None:
    return ITEM_RATES.get(item, STANDARD_RATE)


# 消費税法施行令第70条の10 (one rounding per rate per invoice)
def tax_on(taxable: int, rate: int, rounding: str = Rounding.FLOOR) -> int:
    """The consumption tax on ``taxable`` yen at ``rate`` percent, rounded once by ``rounding``.
    Integer arithmetic only: a negative ``taxable`` (never on an invoice) is refused."""
    if isinstance(taxable, bool) or not isinstance(taxable, int) or taxable < 0:
        raise ValueError("taxable must be a non-negative int of yen")
    if rate not in RATES:
        raise ValueError(f"unknown tax rate {rate!r}")
    whole, rest = divmod(taxable * rate, 100)
    if rounding == Rounding.FLOOR or rest == 0:
        return whole
    if rounding == Rounding.CEIL:
        return whole + 1
    if rounding == Rounding.HALF_UP:
        return whole + (1 if rest * 2 >= 100 else 0)
    raise ValueError(f"unknown rounding {rounding!r}")


@dataclass(frozen=True)
class RateTotal:
    rate: int      # percent
    taxable: int   # total of the items at this rate, exclusive of tax
    tax: int       # the tax on that total, rounded once


@dataclass(frozen=True)
class TaxSummary:
    by_rate: tuple[RateTotal, ...]  # one per rate present, 10 % first
    untaxed: int                    # items not subject to consumption tax (対象外)

    @property
    def subtotal(self) -> int:
        return sum(r.taxable for r in self.by_rate) + self.untaxed

    @property
    def tax(self) -> int:
        return sum(r.tax for r in self.by_rate)

    @property
    def total(self) -> int:
        return self.subtotal + self.tax

    def as_json(self) -> list[dict]:
        return [{"rate": r.rate, "taxable": r.taxable, "tax": r.tax} for r in self.by_rate]


# 消費税法第57条の4第1項第4号・第5号 (per rate: the total and the tax, one rounding per rate)
def summarize(lines: list[tuple[int, int | None]], rounding: str = Rounding.FLOOR) -> TaxSummary:
    """``lines``: (amount, rate or None) pairs. Sums the amounts per rate and taxes each sum once."""
    sums: dict[int, int] = {}
    untaxed = 0
    for amount, rate in lines:
        if rate is None:
            untaxed += amount
        else:
            sums[rate] = sums.get(rate, 0) + amount
    by_rate = tuple(RateTotal(rate, sums[rate], tax_on(sums[rate], rate, rounding))
                    for rate in sorted(sums, reverse=True))
    return TaxSummary(by_rate, untaxed)


_T_NUMBER = re.compile(r"T([0-9]{13})")


# 法人番号の指定等に関する省令第2条 (check digit), 消費税法第57条の2第4項 (T + 13 digits)
def check_digit(base12: str) -> int:
    """The leading check digit of a 13-digit corporate number: 9 − (Σ Pn × Qn mod 9), where Pn is
    the n-th digit of the 12-digit base counted from its last digit and Qn is 1 for odd n, 2 for
    even n."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def registration_number_problem(value: str) -> str | None:
    """Why ``value`` is no registration number of a qualified-invoice issuer; None when it is one."""
    value = (value or "").strip()
    match = _T_NUMBER.fullmatch(value)
    if not match:
        return N_("A registration number is T followed by 13 digits, e.g. T7000012050002.")
    digits = match.group(1)
    if int(digits[0]) != check_digit(digits[1:]):
        return N_("The check digit of this registration number is wrong: check the 13 digits.")
    return None


def require_registration_number(value: str, field: str = "registration_number") -> str:
    problem = registration_number_problem(value)
    if problem:
        raise RuleViolation.one(problem, field)
    return value.strip()
