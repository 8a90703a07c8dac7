"""What the contract party sends: a work request, a complaint, an objection to completed work."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CustomerWorkRequestForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=4000)])


class CustomerComplaintForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=4000)])


class ObjectionForm(FlaskForm):
    note = TextAreaField(_l("What is wrong"), validators=[Optional(), Length(max=2000)])
