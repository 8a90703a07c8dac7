"""Form helpers: rule problems shown beside their fields, and the shared login/password forms."""
from __future__ import annotations

from flask import flash
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tenants.errors import RuleViolation


def show_problems(form: FlaskForm, exc: RuleViolation) -> None:
    """Put each rule problem beside its field; problems without a field go to the page."""
    for problem in exc.problems:
        text = problem.render(gettext)
        field = getattr(form, problem.field, None) if problem.field else None
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(text)
        else:
            form.form_errors.append(text)
            flash(text, "error")


# the roles of provider staff and of a reseller's operators (tenants/accounts/rights.py), as offered in forms
STAFF_ROLES = [("admin", _l("Admin: everything, staff included")),
               ("operator", _l("Operator: servers, monitoring, incidents, contracts")),
               ("auditor", _l("Auditor: reads everything, changes nothing"))]
RESELLER_ROLES = [("owner", _l("Owner: operators, branding, API tokens and everything else")),
                  ("operator", _l("Operator: customers and courses")),
                  ("readonly", _l("Read-only: reads, changes nothing"))]
ROLE_NAMES = {"admin": _l("Admin"), "operator": _l("Operator"), "auditor": _l("Auditor"), "owner": _l("Owner"),
              "readonly": _l("Read-only")}


class PersonForm(FlaskForm):
    """A new staff or operator login: its role is offered from ``roles`` (another value is refused)."""
    login_id = StringField(_l("Login ID"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    access = SelectField(_l("Role"))
    password = PasswordField(_l("Initial password (leave empty to generate one)"), validators=[Optional()])

    def __init__(self, roles, default, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.access.choices = roles
        if not self.access.data:
            self.access.data = default


class AccessForm(FlaskForm):
    access = SelectField(_l("Role"))

    def __init__(self, roles, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.access.choices = roles


class LoginForm(FlaskForm):
    login_id = StringField(_l("Login ID"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class ForgotForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm_password = PasswordField(_l("New password (again)"), validators=[DataRequired(), Length(max=256)])


class PasswordCheckForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=256)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(_l("New password (again)"), validators=[DataRequired()])


def form_status(form: FlaskForm) -> int:
    """400 when a submitted form came back with messages, else 200."""
    return 400 if (form.errors or form.form_errors) else 200


FAILED = object()


def _commit_or(action, show, session=None):
    """Run a rule-checked change in the request's session (or ``session``): commit it and return its
    result, or roll everything back, hand the problems to `show` and return FAILED (nothing is saved)."""
    from web.db import db

    session = session or db()
    try:
        result = action()
    except RuleViolation as exc:
        session.rollback()
        show(exc)
        return FAILED
    session.commit()
    return result


def commit_or_show(form: FlaskForm, action, session=None):
    """_commit_or with each problem beside its field of `form`."""
    return _commit_or(action, lambda exc: show_problems(form, exc), session)


def _flash_problems(exc: RuleViolation) -> None:
    for problem in exc.problems:
        flash(problem.render(gettext), "error")


def commit_or_handle(action, show):
    """_commit_or with the caller's own way of showing the problems (beside a field of a list)."""
    return _commit_or(action, show)


def commit_or_flash(action):
    """_commit_or for an action without a form (a button): each problem is flashed instead."""
    return _commit_or(action, _flash_problems)
