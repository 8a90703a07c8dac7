"""Provider admin forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, FieldList, Form, FormField, IntegerField, PasswordField,
                     SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tenants.servers.models import DRIVERS, SERVER_ROLES


class ResellerForm(FlaskForm):
    code = StringField(_l("Code (used in the end-user panel address)"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    brand_name = StringField(_l("Brand name shown to end users"), validators=[DataRequired(), Length(max=200)])
    support_email = EmailField(_l("Support email"), validators=[Optional(), Length(max=254)])
    support_phone = StringField(_l("Support phone"), validators=[Optional(), Length(max=40)])
    support_hours = StringField(_l("Support hours"), validators=[Optional(), Length(max=200)])
    panel_host = StringField(_l("Own host name for the end-user panel (optional)"), validators=[Optional(), Length(max=253)])


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    is_emergency = BooleanField(_l("Emergency contact (nights and holidays)"))


class ContactsForm(FlaskForm):
    contacts = FieldList(FormField(ContactForm), min_entries=4, max_entries=10)


class OperatorForm(FlaskForm):
    login_id = StringField(_l("Login ID"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Initial password (leave empty to generate one)"), validators=[Optional()])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ServerForm(FlaskForm):
    hostname = StringField(_l("Host name"), validators=[DataRequired(), Length(max=253)])
    address = StringField(_l("IP address"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r) for r in SERVER_ROLES])
    kind = SelectField(_l("Service"), choices=[SelectChoice("oem", _l("OEM shared hosting")),
                                                SelectChoice("managed", _l("Managed server"))])
    driver = SelectField(_l("Driver"), choices=[SelectChoice(d) for d in DRIVERS])
    monitor_interval_minutes = IntegerField(_l("Monitoring interval (minutes)"), default=10,
                                            validators=[InputRequired()])
    auto_remediation = BooleanField(_l("Restart failed services automatically"), default=True)
    status = SelectField(_l("Status"), choices=[SelectChoice("active", _l("active")),
                                                SelectChoice("maintenance", _l("maintenance")),
                                                SelectChoice("retired", _l("retired"))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    resellers = MultiCheckboxField(_l("Resellers that may place customers on it"), coerce=int)


class ReservedNameForm(FlaskForm):
    name = StringField(_l("Name (nameserver, panel host name or own domain)"),
                       validators=[DataRequired(), Length(max=253)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
