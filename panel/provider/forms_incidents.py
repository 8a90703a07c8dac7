"""Provider admin forms for incidents: the fault report, remediation commands."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class FaultReportForm(FlaskForm):
    what = TextAreaField(_l("What happened"), validators=[Length(max=5000)])
    impact = TextAreaField(_l("Impact"), validators=[Length(max=5000)])
    cause = TextAreaField(_l("Cause"), validators=[Length(max=5000)])
    action = TextAreaField(_l("Action taken"), validators=[Length(max=5000)])
    prevention = TextAreaField(_l("Prevention"), validators=[Length(max=5000)])


class RemediationForm(FlaskForm):
    command = StringField(_l("Command (program and arguments, no shell)"), validators=[Optional(), Length(max=1000)])
    timeout_seconds = FloatField(_l("Timeout (seconds)"), default=60.0,
                                 validators=[InputRequired(), NumberRange(min=1, max=3600)])
    grace_minutes = IntegerField(_l("Re-check after (minutes, reboot)"), default=10,
                                 validators=[InputRequired(), NumberRange(min=1, max=240)])
    enabled = BooleanField(_l("Automatic remediation on"), default=True)
