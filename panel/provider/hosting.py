"""Provider admin: the reserved names no customer may register (nameservers, panel host names,
the provider's own domains), with the names under and above them."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from panel.provider.accounts import staff_only
from panel.provider.forms import ReservedNameForm
from tenants.hosting import reserved_names as rules
from tenants.hosting.hostnames import to_unicode
from tenants.models import ReservedName
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status


@staff_only
def reserved_names():
    s = db()
    form = ReservedNameForm()
    if form.validate_on_submit():
        added = commit_or_show(form, lambda: rules.reserve(s, current_user, form.name.data, form.note.data or ""))
        if added is not FAILED:
            row, conflicts = added
            flash(_("%(name)s is reserved.", name=to_unicode(row.name)), "success")
            if conflicts.count:  # reserved all the same: the provider decides what happens to them
                flash(ngettext("%(num)s existing customer domain conflicts with %(name)s: %(domains)s",
                               "%(num)s existing customer domains conflict with %(name)s: %(domains)s",
                               conflicts.count, name=to_unicode(row.name),
                               domains=", ".join(conflicts.examples)
                               + (", …" if conflicts.count > len(conflicts.examples) else "")), "error")
            return redirect(url_for("provider.reserved_names"))
    return render_template("provider/reserved_names.html", form=form, rows=rules.listed(s),
                           panel_hosts=rules.panel_hosts(s)), form_status(form)


@staff_only
def reserved_name_delete(name_id):
    s = db()
    row = get_owned_or_404(s, ReservedName, name_id)
    name = to_unicode(row.name)
    rules.release(s, current_user, row)
    s.commit()
    flash(_("%(name)s is no longer reserved.", name=name), "success")
    return redirect(url_for("provider.reserved_names"))
