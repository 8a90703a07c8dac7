"""The annual service report (managed terms §29) as a page or a CSV download, for the provider and
for the contract party alike."""
from flask import Response, render_template, request

from tenants.calendar import today_jst
from tenants.contracts.report import annual_report, report_csv
from tenants.models import Contract


def report_response(s, contract: Contract, layout: str):
    """The annual report as HTML, or as a CSV download with ?format=csv (managed terms §29)."""
    try:
        year = int(request.args.get("year", today_jst().year))
    except ValueError:
        year = today_jst().year
    if not 2000 <= year <= 2100:
        year = today_jst().year
    report = annual_report(s, contract, year)
    if request.args.get("format") == "csv":
        return Response(report_csv(report), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=service-report-{contract.id}-{year}.csv"})
    return render_template("contract_report.html", report=report, layout=layout, contract=contract)
