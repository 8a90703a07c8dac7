"""Business panel: customers as CSV (export; import with a dry run, all or nothing)."""
from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from panel.reseller import bp
from panel.reseller.forms import CsvImportForm
from panel.reseller.views_home import operator_only
from tenants.calendar import today_jst
from tenants import audit
from tenants.customers.csv_io import COLUMNS, export_customers, import_customers
from web.db import db

MAX_CSV_BYTES = 8 * 1024 * 1024


@bp.get("/customers/export.csv")
@operator_only
def customers_export():
    s = db()
    body = export_customers(s)
    audit.record(s, current_user, "customer.export", None, "exported customers as CSV")
    s.commit()
    name = f"customers-{today_jst().isoformat()}.csv"
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/customers/import", methods=["GET", "POST"])
@operator_only
def customers_import():
    form = CsvImportForm()
    report = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read(MAX_CSV_BYTES + 1) if upload else b""
        s = db()
        if not raw:
            form.file.errors = [_("Choose a CSV file.")]
            status = 400
        elif len(raw) > MAX_CSV_BYTES:
            form.file.errors = [_("The file is larger than %(mb)s MB.", mb=MAX_CSV_BYTES // 1048576)]
            status = 400
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                form.file.errors = [_("The file is not UTF-8 text.")]
                status = 400
            else:
                report = import_customers(s, current_user, text, dry_run=form.dry_run.data)
                if report.ok and not form.dry_run.data:
                    audit.record(s, current_user, "customer.import", None,
                                 f"imported customers: {report.created} created, {report.updated} updated")
                    s.commit()
                else:
                    s.rollback()
                    status = 200 if report.ok else 400
    problems = [(rp.line, rp.field, rp.problem.render(_)) for rp in report.problems] if report else []
    return render_template("reseller/customers_import.html", form=form, report=report, columns=COLUMNS,
                           dry_run=form.dry_run.data, problems=problems), status
