"""End-user screens for web sites: domains (virtual hosts), their DNS records and protected folders."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from enduser.forms import ActionForm, DomainForm, HttpsForm, PhpForm, ProtectedForm, ProtectedUserForm, RecordForm
from enduser.home import enduser_only
from enduser.hosting import actor, change, domain_choices, enduser_object, me, object_buttons
from tenants.hosting import access, php_sites
from tenants.hosting import domains as domain_rules
from tenants.models import Certificate, Course, DnsRecord, Domain, ProtectedDirectory, ProtectedUser, Server
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, form_status


def _mine(model, *where, order=None):
    customer = me()
    stmt = select(model).where(model.customer_id == customer.id, *where).order_by(order or model.id)
    return list(db().execute(stmt).scalars())


@enduser_only
def domains():
    customer = me()
    form = DomainForm()
    if form.validate_on_submit():
        made = change(form, lambda: domain_rules.create_domain(db(), actor(), customer, form.name.data,
                                                               form.docroot.data or "", form.https.data))
        if made is not FAILED:
            flash(_("The domain %(name)s was added. It is being set up on the server.", name=made[0].name), "success")
            return redirect(url_for("enduser.domains"))
    course = db().get(Course, customer.course_id)
    certs = {c.domain_id: c for c in _mine(Certificate)}
    return render_template("enduser/domains.html", form=form, rows=_mine(Domain, order=Domain.name),
                           course=course, action=ActionForm(), certs=certs), form_status(form)


@enduser_object
def domain_https(domain_id):
    domain = get_owned_or_404(db(), Domain, domain_id)
    form = HttpsForm()
    if form.validate_on_submit():
        customer = me()
        if change(form, lambda: domain_rules.set_https(db(), actor(), customer, domain, form.https.data)) is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
        else:  # a button, not a page with fields: the refusal goes to the list page
            for message in form.https.errors:
                flash(message, "error")
    return redirect(url_for("enduser.domains"))


@enduser_object
def domain_php(domain_id):
    """Static or PHP, the PHP version (those the server has) and the memory limit (the course's at most)."""
    domain = get_owned_or_404(db(), Domain, domain_id)
    customer = me()
    course = db().get(Course, customer.course_id)
    versions = php_sites.server_versions(db().get(Server, customer.server_id) if customer.server_id else None)
    form = PhpForm(data={"mode": "php" if domain.php_version else "static",
                         "php_version": domain.php_version or (versions[-1] if versions else ""),
                         "php_memory_mb": str(domain.php_memory_mb or course.php_memory_limit_mb)})
    form.php_version.choices = [SelectChoice(v, f"PHP {v}") for v in versions]
    if form.validate_on_submit():
        made = change(form, lambda: php_sites.set_php(db(), actor(), customer, domain, form.mode.data,
                                                      form.php_version.data, form.php_memory_mb.data))
        if made is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
            return redirect(url_for("enduser.domains"))
    return render_template("enduser/domain_php.html", form=form, domain=domain, course=course,
                           versions=versions), form_status(form)


@enduser_object
def dns(domain_id):
    domain = get_owned_or_404(db(), Domain, domain_id)
    form = RecordForm()
    if form.validate_on_submit():
        customer = me()
        made = change(form, lambda: domain_rules.add_record(db(), actor(), customer, domain, form.name.data,
                                                            form.type.data, form.value.data, form.ttl.data,
                                                            form.priority.data or None))
        if made is not FAILED:
            flash(_("The record was added. It is being published."), "success")
            return redirect(url_for("enduser.dns", domain_id=domain.id))
    rows = _mine(DnsRecord, DnsRecord.domain_id == domain.id, order=DnsRecord.name)
    return render_template("enduser/dns.html", form=form, domain=domain, rows=rows,
                           action=ActionForm()), form_status(form)


@enduser_only
def protected():
    customer = me()
    form = ProtectedForm()
    form.domain_id.choices = domain_choices(customer)
    if form.validate_on_submit():
        made = change(form, lambda: access.create_protected(db(), actor(), customer, form.domain_id.data,
                                                            form.path.data or "", form.realm.data))
        if made is not FAILED:
            flash(_("The folder is protected once you add a user."), "success")
            return redirect(url_for("enduser.protected_users", directory_id=made[0].id))
    return render_template("enduser/protected.html", form=form, rows=_mine(ProtectedDirectory),
                           action=ActionForm()), form_status(form)


@enduser_object
def protected_users(directory_id):
    directory = get_owned_or_404(db(), ProtectedDirectory, directory_id)
    form = ProtectedUserForm()
    if form.validate_on_submit():
        customer = me()
        done = change(form, lambda: access.add_protected_user(db(), actor(), customer, directory, form.name.data,
                                                              form.password.data))
        if done is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
            return redirect(url_for("enduser.protected_users", directory_id=directory.id))
    return render_template("enduser/protected_users.html", form=form, directory=directory,
                           action=ActionForm()), form_status(form)


@enduser_object
def protected_user_delete(user_id):
    user = get_owned_or_404(db(), ProtectedUser, user_id)
    directory_id = user.directory_id
    form = ActionForm()
    if form.validate_on_submit():
        customer = me()
        if change(form, lambda: access.remove_protected_user(db(), actor(), customer, user)) is not FAILED:
            flash(_("Saved. The change is being applied on the server."), "success")
    return redirect(url_for("enduser.protected_users", directory_id=directory_id))


BUTTONS = (
    object_buttons("domains", Domain, "enduser.domains", domain_rules.delete_domain,
                   _l("The domain is being removed from the server.")) +
    object_buttons("dns", DnsRecord, "enduser.dns", domain_rules.delete_record, _l("The record is being removed."),
                   list_args=lambda r: {"domain_id": r.domain_id}) +
    object_buttons("protected", ProtectedDirectory, "enduser.protected", access.delete_protected,
                   _l("The protection is being removed."))
)
