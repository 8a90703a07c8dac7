"""An invoice as a document, for every panel that may read it (provider admin, business panel,
managed-customer panel): the HTML page is the document itself, the PDF is the same document as
the worker rendered and keeps it. The session's scope decides whose invoices these are."""
from flask import current_app, render_template, send_file, url_for

from tenants.contracts.invoice_document import invoice_html, pdf_path
from tenants.models import Invoice
from workers import api


def document_response(invoice: Invoice, pdf_endpoint: str):
    return invoice_html(invoice, pdf_url=url_for(pdf_endpoint, invoice_id=invoice.id))


def pdf_response(invoice: Invoice, retry_url: str):
    """The PDF when it is made; else it is made now by a worker and the page says so (202)."""
    path = pdf_path(current_app.config["SETTINGS"].instance_path, invoice)
    if path.exists():
        return send_file(path, mimetype="application/pdf", download_name=f"{invoice.number}.pdf")
    api.render_invoice_pdf(invoice.id)
    return render_template("invoice_pdf_wait.html", invoice=invoice, retry_url=retry_url), 202
