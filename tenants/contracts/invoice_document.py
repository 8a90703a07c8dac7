"""The invoice as a document: one HTML page, the same for the screen, the print-out and the PDF
(workers/jobs/invoices.py renders it with WeasyPrint). It is Japanese, as a qualified invoice to
a Japanese business is, and prints everything 消費税法第57条の4 asks of one: the issuer and its
registration number, the date, each transaction's date and description with its rate (※ marks
the reduced rate), per rate the total and the tax, and the recipient."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from tenants.contracts.billing_models import InvoiceKind
from tenants.contracts.invoice_mail import document_title
from tenants.contracts.tax import REDUCED_RATE, ROUNDING_LABELS_JA, Rounding
from tenants.models import Invoice

# Debian's fonts-ipaexfont-gothic (.ci/apt-packages): embedded into every PDF, never downloaded
FONT_FILE = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")

_env = Environment(loader=PackageLoader("tenants.contracts", "templates"), autoescape=select_autoescape(["html"]))


def _yen(amount: int) -> str:
    return f"{amount:,}"


def _jdate(value: date | None) -> str:
    return f"{value:%Y年%m月%d日}" if value else ""


def _period(line) -> str:
    if line.period_from is None:
        return ""
    if line.period_to is None or line.period_to == line.period_from:
        return _jdate(line.period_from)
    return f"{_jdate(line.period_from)}～{_jdate(line.period_to)}"


_env.filters.update(yen=_yen, jdate=_jdate, period=_period)


def invoice_html(invoice: Invoice, *, pdf_url: str | None = None) -> str:
    """The document. ``pdf_url``: a link to its PDF on the screen (not printed)."""
    return _env.get_template("invoice_document.html").render(
        inv=invoice, title=document_title(invoice), credit=invoice.kind == InvoiceKind.CREDIT,
        reduced=REDUCED_RATE, rounding=ROUNDING_LABELS_JA.get(Rounding(invoice.tax_rounding), ""),
        font_url=FONT_FILE.as_uri() if FONT_FILE.exists() else None, pdf_url=pdf_url)


def pdf_name(invoice: Invoice, html: str) -> str:
    """The file of the document's PDF: its number and a digest of what it says, so a copy is never
    mistaken for another document's."""
    return f"{invoice.number}-{hashlib.sha256(html.encode()).hexdigest()[:16]}.pdf"


def pdf_path(instance_path: Path | str, invoice: Invoice) -> Path:
    return Path(instance_path) / "invoices" / pdf_name(invoice, invoice_html(invoice))
