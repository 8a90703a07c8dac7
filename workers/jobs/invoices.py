"""Invoice PDFs: the invoice document (tenants/contracts/invoice_document.py) rendered by
WeasyPrint with the IPAex Gothic font embedded, kept as a file under the instance folder
(``invoices/<number>-<digest>.pdf``) as the copy of what was issued, and attached to the
invoice's mail by the one sender (workers/jobs/outbox.py).

render_invoice_pdf(invoice_id)   the job: write the PDF if it is not there yet; returns its path.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tenants.contracts.invoice_document import invoice_html, pdf_name
from tenants.models import Invoice
from workers import runtime


def _folder() -> Path:
    folder = Path(runtime.settings().instance_path) / "invoices"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pdf_file(invoice: Invoice) -> Path:
    """The invoice's PDF, rendered now if no copy of this document exists yet (written to a
    temporary file and moved into place, so a reader never sees half a file)."""
    from weasyprint import HTML  # heavy: loaded by the jobs that need it

    html = invoice_html(invoice)
    path = _folder() / pdf_name(invoice, html)
    if path.exists():
        return path
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pdf-")
    try:
        with os.fdopen(fd, "wb") as fh:
            HTML(string=html).write_pdf(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def render_invoice_pdf(invoice_id: int) -> str | None:
    """The job: the PDF of one invoice (None when the invoice is gone)."""
    with runtime.job_session() as s:
        invoice = s.get(Invoice, invoice_id)
        return str(pdf_file(invoice)) if invoice is not None else None


def attachments_of(session, invoice_id: int | None) -> list[tuple[str, bytes]]:
    """What a mail about ``invoice_id`` carries: the invoice's PDF."""
    invoice = session.get(Invoice, invoice_id) if invoice_id is not None else None
    if invoice is None:
        return []
    return [(f"{invoice.number}.pdf", pdf_file(invoice).read_bytes())]
