"""Provider admin: suspension, resume and termination of managed-service contracts (managed terms
§12, §23); the invoices are in invoices.py."""
from datetime import datetime

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from panel.provider.accounts import staff_only
from panel.provider.contracts import forms as F
from panel.provider.contracts.lifecycle import contract_step, render_contract
from tenants.calendar import JST, today_jst
from tenants.contracts.suspension import resume, suspend, terminate
from tenants.db import utcnow
from tenants.models import Contract, Suspension
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_flash


def _jst_utc(value: datetime | None):
    return value.replace(tzinfo=JST).astimezone(JST) if value else None


# managed terms §23.1, §23.2
@staff_only
def contract_suspend(contract_id):
    def act(s, c, f):
        now = utcnow()
        starts = _jst_utc(f.starts_at.data) or now
        suspend(s, current_user, c, ground=f.ground.data, reason=f.reason.data or "", starts_at=starts,
                ends_at=_jst_utc(f.ends_at.data), emergency=f.emergency.data, now=now)
        return _("Suspension recorded and the customer notified.")
    return contract_step(contract_id, F.SuspensionForm(prefix="suspend"), "suspend", act)


@staff_only
def contract_resume(suspension_id):
    s = db()
    suspension = get_owned_or_404(s, Suspension, suspension_id)
    if commit_or_flash(lambda: resume(s, current_user, suspension, utcnow())) is FAILED:
        return render_contract(s, get_owned_or_404(s, Contract, suspension.contract_id), 400)
    flash(_("Service resumed."), "success")
    return redirect(url_for("provider.contract", contract_id=suspension.contract_id))


# managed terms §12.1, §12.3
@staff_only
def contract_terminate(suspension_id):
    suspension = get_owned_or_404(db(), Suspension, suspension_id)

    def act(s, c, f):
        terminate(s, current_user, suspension, f.reason.data, utcnow(), today_jst())
        return _("Contract terminated.")
    return contract_step(suspension.contract_id, F.TerminationForm(prefix="terminate"), "terminate", act)
