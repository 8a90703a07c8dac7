"""Unlocking an account locked for mass mail: the same action in the provider admin and the
business panel (the session's scope decides which locks each may reach)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.db import utcnow
from tenants.mail_abuse import locks as mass_mail_lock
from tenants.models import MassMailLock
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_handle
from workers import api


def unlock_and_return(lock_id: int, back_endpoint: str, template: str, rows):
    """Unlock with the reason typed beside the button; a refused reason re-shows the list with the
    message beside that lock's field (nothing saved)."""
    s = db()
    lock = get_owned_or_404(s, MassMailLock, lock_id)
    reason = request.form.get("reason", "")
    errors: dict = {}

    def show(exc) -> None:
        errors[lock.id] = [p.render(_) for p in exc.problems]

    if commit_or_handle(lambda: mass_mail_lock.unlock(s, current_user, lock, utcnow(), reason), show) is FAILED:
        if lock.id not in errors or not lock.active:
            for message in errors.get(lock.id, []):
                flash(message, "error")
            return redirect(url_for(back_endpoint))
        return render_template(template, locks=rows(), unlock_errors=errors, unlock_reason={lock.id: reason}), 400
    # provisioning rewrites the sender map without the address
    api.update_mail(lock.server_id)
    flash(_("%(address)s can send mail again once the server is updated.", address=lock.address), "success")
    return redirect(url_for(back_endpoint))
