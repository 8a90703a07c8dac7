"""Forms of the managed-service contract screens (provider admin)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from panel.contract_party.forms import CustomerComplaintForm, CustomerWorkRequestForm
from tenants.contracts.grounds import REFUSAL_GROUNDS, SUSPENSION_GROUNDS
from tenants.contracts.options import OPTION_KINDS
from tenants.contracts.service_models import ComplaintStatus


class PartyForm(FlaskForm):
    name = StringField(_l("Name (company)"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=400)])
    representative = StringField(_l("Representative"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    fax = StringField(_l("Fax"), validators=[Optional(), Length(max=40)])
    contact_person = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), Length(max=254)])
    billing_address = StringField(_l("Billing address"), validators=[Optional(), Length(max=400)])
    billing_email = EmailField(_l("Billing email (invoices)"), validators=[Optional(), Length(max=254)])
    payer_name = StringField(_l("Payer name on bank transfers (kana)"), validators=[Optional(), Length(max=200)])
    emergency_contact = StringField(_l("Emergency contact"), validators=[Optional(), Length(max=400)])


class PartyChangeForm(PartyForm):
    notified_on = DateField(_l("Change notified on"), validators=[InputRequired()])


class ApplicationForm(PartyForm):
    reseller_id = SelectField(_l("Contract party is our reseller"), coerce=int, default=0)
    server_id = SelectField(_l("Server"), coerce=int, default=0)
    monthly_fee = IntegerField(_l("Monthly fee (yen)"), validators=[InputRequired(), NumberRange(min=0)])
    initial_fee = IntegerField(_l("Initial fee (yen)"), default=0, validators=[InputRequired(), NumberRange(min=0)])
    applied_on = DateField(_l("Applied on"), validators=[InputRequired()])
    applications = TextAreaField(_l("Applications to set up"), validators=[Optional(), Length(max=4000)])
    contacts = TextAreaField(_l("Contacts"), validators=[Optional(), Length(max=4000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


class DateActionForm(FlaskForm):
    on = DateField(_l("Date"), validators=[InputRequired()])


class RefuseForm(FlaskForm):
    on = DateField(_l("Date"), validators=[InputRequired()])
    refusal_ground = SelectField(_l("Ground (§5.2)"),
                                 choices=[SelectChoice(g.code, f"{g.number}. {g.en}") for g in REFUSAL_GROUNDS])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ConfirmForm(FlaskForm):
    billing_starts_on = DateField(_l("Billing-start date on the confirmation"), validators=[InputRequired()])


class CancellationForm(FlaskForm):
    notified_on = DateField(_l("Written notice received on"), validators=[InputRequired()])
    cancellation_date = DateField(_l("Cancellation date"), validators=[InputRequired()])


class SuccessionForm(FlaskForm):
    successor_name = StringField(_l("Successor"), validators=[DataRequired(), Length(max=200)])
    succeeded_on = DateField(_l("Succession date"), validators=[InputRequired()])
    notified_on = DateField(_l("Notified on"), validators=[InputRequired()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class OptionForm(FlaskForm):
    kind = SelectField(_l("Option"), choices=[SelectChoice(k, v) for k, v in OPTION_KINDS.items()])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    monthly_fee = IntegerField(_l("Monthly fee (yen)"), validators=[InputRequired(), NumberRange(min=0)])


class PaymentForm(FlaskForm):
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()])
    amount = IntegerField(_l("Amount (yen)"), validators=[InputRequired(), NumberRange(min=1)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class InvoiceRunForm(FlaskForm):
    run_on = DateField(_l("Run as of"), validators=[InputRequired()])


class SuspensionForm(FlaskForm):
    ground = SelectField(_l("Ground (§23.1)"),
                         choices=[SelectChoice(g.code, f"{g.number}. {g.en}") for g in SUSPENSION_GROUNDS])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    starts_at = DateTimeLocalField(_l("Starts (JST)"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends (JST)"), validators=[Optional()])
    emergency = BooleanField(_l("Emergency: suspend at once, notice follows"))


class TerminationForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class WorkRequestForm(CustomerWorkRequestForm):
    on = DateField(_l("Requested on"), validators=[InputRequired()])


class WorkStepForm(FlaskForm):
    step = SelectField(_l("Step"), choices=[SelectChoice("accept", _l("Accept")),
                                            SelectChoice("start", _l("Start work")),
                                            SelectChoice("complete", _l("Complete and notify"))])
    on = DateField(_l("Date"), validators=[InputRequired()])


class ComplaintForm(CustomerComplaintForm):
    on = DateField(_l("Received on"), validators=[InputRequired()])


class ComplaintResponseForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(s, _l(s)) for s in ComplaintStatus])
    response = TextAreaField(_l("Response"), validators=[Optional(), Length(max=4000)])
    on = DateField(_l("Date"), validators=[InputRequired()])


class ManagedLoginForm(FlaskForm):
    """The direct customer's own login: issued with a login ID, or its password reset."""
    login_id = StringField(_l("Login ID"), validators=[Optional(), Length(max=64)])
    password = PasswordField(_l("Password (leave empty to generate one)"), validators=[Optional(), Length(max=256)])
