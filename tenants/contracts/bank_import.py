"""Importing a bank statement (入金明細 CSV): each credit line is kept for review with the payer and
invoices it most likely pays (matched by the payer name on the transfer and the amount); the
provider confirms, corrects or ignores each line, and only a confirmed line records a receipt.

The file is UTF-8 or Shift_JIS (as Japanese banks export it), with a header row naming at least
the date, the amount and the payer. A file with any broken row is refused whole, naming the row,
and nothing is recorded. Every line has a fingerprint (date, amount, payer, reference and its
occurrence in the file): the same statement imported again records nothing twice."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from tenants import audit
from tenants.contracts.ledger_models import BankLine, BankLineStatus, OemFee, ReceiptSource
from tenants.contracts.payments import open_invoices, record_receipt
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Invoice, ManagedCustomer

MAX_ROWS = 5000
COLUMNS = {  # what a header may call each column (lower case, spaces removed)
    "date": ("日付", "取引日", "入金日", "勘定日", "date"),
    "amount": ("金額", "入金額", "入金金額", "お預り金額", "預り金額", "amount"),
    "payer": ("振込依頼人名", "振込依頼人", "依頼人名", "摘要", "payer", "name"),
    "reference": ("照会番号", "取引番号", "reference"),
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
_SMALL_KANA = str.maketrans("ァィゥェォッャュョヮ", "アイウエオツヤユヨワ")
_FORMS = "カ|ユ|ド|シヤ|ザイ|ガク|イ|ゴ|メ"  # 株式会社, 有限会社, 合同会社, 社団/財団法人, ... as banks abbreviate them
_ENTITY = re.compile(rf"[(（]?({_FORMS})[)）]|[(（]({_FORMS})$|カブシキガイシヤ|ユウゲンガイシヤ|株式会社|有限会社")
_NOISE = re.compile(r"[\s・.,，、ー\-()（）「」]")


@dataclass(frozen=True)
class StatementRow:
    row_number: int
    booked_on: date
    amount: int
    payer_name: str
    reference: str


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS (Windows' cp932, as banks write it)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RuleViolation.one(N_("The file is neither UTF-8 nor Shift_JIS text."), "statement")


def _header_map(header: list[str]) -> dict[str, int]:
    found = {}
    for index, name in enumerate(header):
        key = re.sub(r"\s", "", name).lower()
        for column, names in COLUMNS.items():
            if key in names and column not in found:
                found[column] = index
    missing = [c for c in ("date", "amount", "payer") if c not in found]
    if missing:
        raise RuleViolation.one(N_("The header row must name the date, the amount and the payer (e.g. 日付, 金額, "
                                   "振込依頼人名); missing: %(missing)s."), "statement", missing=", ".join(missing))
    return found


def _date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _amount(text: str) -> int | None:
    """Whole yen above 0 ("12,000", "12000円"); None for anything else (negative, fractional)."""
    text = unicodedata.normalize("NFKC", text).strip().replace(",", "").removesuffix("円").removeprefix("¥")
    return int(text) if text.isdigit() and int(text) > 0 else None


def parse_statement(data: bytes) -> list[StatementRow]:
    """The statement's credit lines; RuleViolation naming every broken row (nothing is kept)."""
    reader = csv.reader(io.StringIO(decode(data)))
    try:
        rows = [r for r in reader]
    except csv.Error as exc:
        raise RuleViolation.one(N_("The file is not a CSV file: %(error)s"), "statement", error=str(exc)) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise RuleViolation.one(N_("The file is empty."), "statement")
    columns = _header_map(rows[0])
    if len(rows) - 1 > MAX_ROWS:
        raise RuleViolation.one(N_("A statement may have at most %(max)s rows."), "statement", max=MAX_ROWS)
    parsed, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            problems.append(Problem(N_("Row %(row)s has %(got)s columns instead of %(want)s."), "statement",
                                    {"row": number, "got": len(row), "want": len(rows[0])}))
            continue
        booked_on, amount = _date(row[columns["date"]]), _amount(row[columns["amount"]])
        payer = row[columns["payer"]].strip()
        if booked_on is None:
            problems.append(Problem(N_("Row %(row)s: the date %(value)s is not a date."), "statement",
                                    {"row": number, "value": row[columns["date"]]}))
        if amount is None:
            problems.append(Problem(N_("Row %(row)s: the amount %(value)s is not a whole number of yen above 0."),
                                    "statement", {"row": number, "value": row[columns["amount"]]}))
        if not payer:
            problems.append(Problem(N_("Row %(row)s: the payer is empty."), "statement", {"row": number}))
        if booked_on and amount and payer:
            reference = row[columns["reference"]].strip() if "reference" in columns else ""
            parsed.append(StatementRow(number, booked_on, amount, payer[:200], reference[:100]))
    if problems:
        raise RuleViolation(problems[:20])
    return parsed


def normalize_name(name: str) -> str:
    """A payer name as banks print it, reduced for comparison: full-width kana (NFKC), small kana
    made large (ｼﾖ = ショ on a statement), company-form marks (カ), ユ), 株式会社) and spaces gone."""
    text = unicodedata.normalize("NFKC", name or "").upper().translate(_SMALL_KANA)
    return _NOISE.sub("", _ENTITY.sub("", text))


def payer_names(session) -> dict[str, str]:
    """Payer key -> its normalised transfer name, for every payer that has one."""
    names = {f"p{p.id}": normalize_name(p.payer_name) for p in session.execute(select(ManagedCustomer)).scalars()
             if p.payer_name}
    names.update({f"r{f.reseller_id}": normalize_name(f.payer_name) for f in session.execute(select(OemFee)).scalars()
                  if f.payer_name})
    return {k: v for k, v in names.items() if v}


def _fits(amount: int, invoices: list[Invoice]) -> list[int] | None:
    """The invoices ``amount`` pays exactly: one of them, or all of them together."""
    for invoice in invoices:
        if invoice.balance == amount:
            return [invoice.id]
    if invoices and sum(i.balance for i in invoices) == amount:
        return [i.id for i in invoices]
    return None


def propose(session, row: StatementRow, names: dict[str, str]) -> tuple[str | None, list[int], str]:
    """(payer key, invoice ids, how it matched): by name and amount, by name alone (paid oldest
    first, the rest held as credit), by amount alone (one open invoice of that exact balance), or
    nothing (the provider picks the payer)."""
    name = normalize_name(row.payer_name)
    by_name = [key for key, known in names.items() if name and (name == known or known.startswith(name))]
    if len(by_name) == 1:
        invoices = open_invoices(session, by_name[0])
        fitting = _fits(row.amount, invoices)
        return (by_name[0], fitting, "name_amount") if fitting else (by_name[0], [i.id for i in invoices], "name_only")
    candidates = [i for i in session.execute(select(Invoice).order_by(Invoice.due_on)).scalars()
                  if i.balance == row.amount]
    if len({i.payer_key for i in candidates}) == 1:
        return candidates[0].payer_key, [candidates[0].id], "amount_only"
    return None, [], "none"


def fingerprints(rows: list[StatementRow]) -> list[str]:
    seen: dict[tuple, int] = {}
    out = []
    for row in rows:
        key = (row.booked_on.isoformat(), row.amount, normalize_name(row.payer_name), row.reference)
        seen[key] = seen.get(key, 0) + 1
        out.append(hashlib.sha256("|".join(map(str, (*key, seen[key]))).encode()).hexdigest())
    return out


def import_statement(session, actor, data: bytes, file_name: str) -> tuple[int, int]:
    """Keep the statement's new lines for review with a proposed match; (new, already imported)."""
    rows = parse_statement(data)
    prints = fingerprints(rows)
    known = set(session.execute(select(BankLine.fingerprint).where(BankLine.fingerprint.in_(prints))).scalars())
    names, new = payer_names(session), 0
    for row, fingerprint in zip(rows, prints):
        if fingerprint in known:
            continue
        payer, invoice_ids, how = propose(session, row, names)
        session.add(BankLine(fingerprint=fingerprint, file_name=(file_name or "")[:200], row_number=row.row_number,
                             booked_on=row.booked_on, amount=row.amount, payer_name=row.payer_name,
                             reference=row.reference, proposed_payer=payer, proposed_invoice_ids=invoice_ids,
                             match=how))
        known.add(fingerprint)
        new += 1
    session.flush()
    audit.record(session, actor, "billing.bank.import", None,
                 f"{file_name}: {new} new lines, {len(rows) - new} already imported")
    return new, len(rows) - new


def confirm_line(session, actor, line: BankLine, payer: str | None, today: date):
    """Record the line as money received from ``payer`` (the proposed one when None): it pays the
    proposed invoices when the payer is the proposed one, else the payer's open invoices, oldest
    first; what is left is held as credit."""
    if line.status != BankLineStatus.REVIEW:
        raise RuleViolation.one(N_("This line has been dealt with already."), None)
    payer = payer or line.proposed_payer
    if not payer:
        raise RuleViolation.one(N_("Choose the payer."), "payer")
    if payer == line.proposed_payer and line.proposed_invoice_ids:
        invoices = [i for i in open_invoices(session, payer) if i.id in set(line.proposed_invoice_ids)]
    else:
        invoices = open_invoices(session, payer)
    invoices = [i for i in invoices if i.issued_on <= line.booked_on]
    receipt = record_receipt(session, actor, payer=payer, received_on=line.booked_on, amount=line.amount,
                             invoices=invoices, payer_name=line.payer_name, source=ReceiptSource.BANK,
                             note=f"{line.file_name} #{line.row_number}", today=today)
    line.status, line.receipt_id, line.decided_by = BankLineStatus.APPLIED, receipt.id, audit.actor_label(actor)
    return receipt


def ignore_line(session, actor, line: BankLine) -> None:
    if line.status != BankLineStatus.REVIEW:
        raise RuleViolation.one(N_("This line has been dealt with already."), None)
    line.status, line.decided_by = BankLineStatus.IGNORED, audit.actor_label(actor)
    audit.record(session, actor, "billing.bank.ignore", None,
                 f"ignored {line.booked_on.isoformat()} {line.amount} yen from {line.payer_name}")
