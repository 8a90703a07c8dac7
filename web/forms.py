"""Form helpers: rule problems shown beside their fields, and the shared login/password forms."""
from __future__ import annotations

from flask import flash
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

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


class LoginForm(FlaskForm):
    login_id = StringField(_l("Login ID"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(_l("New password (again)"), validators=[DataRequired()])


def form_status(form: FlaskForm) -> int:
    """400 when a submitted form came back with messages, else 200."""
    return 400 if (form.errors or form.form_errors) else 200


FAILED = object()


def _commit_or(action, show):
    """Run a rule-checked change in the request's session: commit it and return its result, or roll
    everything back, hand the problems to `show` and return FAILED (nothing is saved)."""
    from web.db import db

    session = db()
    try:
        result = action()
    except RuleViolation as exc:
        session.rollback()
        show(exc)
        return FAILED
    session.commit()
    return result


def commit_or_show(form: FlaskForm, action):
    """_commit_or with each problem beside its field of `form`."""
    return _commit_or(action, lambda exc: show_problems(form, exc))


def _flash_problems(exc: RuleViolation) -> None:
    for problem in exc.problems:
        flash(problem.render(gettext), "error")


def commit_or_flash(action):
    """_commit_or for an action without a form (a button): each problem is flashed instead."""
    return _commit_or(action, _flash_problems)
