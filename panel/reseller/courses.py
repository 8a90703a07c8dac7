"""Business panel: courses (コース設定)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from panel.reseller.accounts import operator_only
from panel.reseller.forms import CourseForm
from tenants.customers import courses as rules
from tenants.errors import RuleViolation
from tenants.models import Course
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status, show_problems


def course_data(form: CourseForm) -> dict:
    return {name: form[name].data for name in rules.COURSE_FIELDS}


@operator_only
def courses():
    s = db()
    items = s.execute(select(Course).order_by(Course.name)).scalars().all()
    return render_template("reseller/courses.html", courses=items, counts=rules.course_counts(s))


@operator_only
def course_new():
    form = CourseForm(data=rules.course_defaults())
    if form.validate_on_submit():
        course = commit_or_show(form, lambda: rules.create_course(db(), current_user, course_data(form)))
        if course is not FAILED:
            flash(_("Course %(name)s created.", name=course.name), "success")
            return redirect(url_for("reseller.courses"))
    return render_template("reseller/course_form.html", form=form, course=None), form_status(form)


@operator_only
def course_edit(course_id):
    s = db()
    course = get_owned_or_404(s, Course, course_id)
    form = CourseForm(obj=course)
    over = []
    if form.validate_on_submit():
        try:
            over = rules.update_course(s, current_user, course, course_data(form),
                                       confirmed=form.confirmed.data == "yes")
        except RuleViolation as exc:
            s.rollback()
            show_problems(form, exc)
        else:
            if over:  # nothing changed yet: show who would be over the new limit, ask to confirm
                s.rollback()
                form.confirmed.data = "yes"
                return render_template("reseller/course_confirm.html", form=form, course=course, over=over), 409
            s.commit()
            flash(_("Course %(name)s saved.", name=course.name), "success")
            return redirect(url_for("reseller.courses"))
    return render_template("reseller/course_form.html", form=form, course=course), form_status(form)


@operator_only
def course_delete(course_id):
    s = db()
    course = get_owned_or_404(s, Course, course_id)
    try:
        rules.delete_course(s, current_user, course)
    except RuleViolation as exc:
        s.rollback()
        items = s.execute(select(Course).order_by(Course.name)).scalars().all()
        return render_template("reseller/courses.html", courses=items, counts=rules.course_counts(s),
                               refusal=[p.render(_) for p in exc.problems]), 409
    s.commit()
    flash(_("Course deleted."), "success")
    return redirect(url_for("reseller.courses"))
