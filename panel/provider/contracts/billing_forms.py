"""Forms of the provider's billing screens: invoices, credit notes, extra charges, payments, the
bank-statement import, the issuer's settings and resellers' OEM fees."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tenants.contracts.tax import RATES, Rounding

ROUNDING_CHOICES = [SelectChoice(Rounding.FLOOR, _l("Round down (切り捨て)")),
                    SelectChoice(Rounding.HALF_UP, _l("Round half up (四捨五入)")),
                    SelectChoice(Rounding.CEIL, _l("Round up (切り上げ)"))]


class OemRunForm(FlaskForm):
    month = DateField(_l("Month billed (any day in it)"), validators=[InputRequired()])
    issued_on = DateField(_l("Issued on"), validators=[InputRequired()])


class CreditNoteForm(FlaskForm):
    line_id = SelectField(_l("Line"), coerce=int)
    amount = IntegerField(_l("Reduce by (yen, before tax)"), validators=[InputRequired(), NumberRange(min=1)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    issued_on = DateField(_l("Issued on"), validators=[InputRequired()])


class ExtraChargeForm(FlaskForm):
    description = StringField(_l("What is charged"), validators=[DataRequired(), Length(max=200)])
    quote = StringField(_l("Quote number"), validators=[Optional(), Length(max=60)])
    amount = IntegerField(_l("Amount (yen, before tax)"), validators=[InputRequired(), NumberRange(min=1)])
    tax_rate = SelectField(_l("Tax rate"), coerce=int, choices=[SelectChoice(r, f"{r} %") for r in RATES])
    done_on = DateField(_l("Work done on"), validators=[InputRequired()])
    issued_on = DateField(_l("Issued on"), validators=[InputRequired()])
    due_on = DateField(_l("Due on"), validators=[InputRequired()])
    corrects = SelectField(_l("Corrects invoice (an additional charge to it)"), coerce=int, default=0)


class ReceiptForm(FlaskForm):
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    amount = IntegerField(_l("Amount (yen)"), validators=[InputRequired(), NumberRange(min=1)])
    invoices = SelectMultipleField(_l("Pay these invoices (oldest due first)"), coerce=int, validators=[Optional()])
    payer_name = StringField(_l("Payer name on the transfer"), validators=[Optional(), Length(max=200)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class BankImportForm(FlaskForm):
    statement = FileField(_l("Bank statement (CSV, UTF-8 or Shift_JIS)"))


class BankLineForm(FlaskForm):
    payer = SelectField(_l("Payer"), validators=[Optional()])


class BillingSettingsForm(FlaskForm):
    issuer_name = StringField(_l("Issuer (company name)"), validators=[DataRequired(), Length(max=200)])
    registration_number = StringField(_l("Registration number (T + 13 digits)"), validators=[DataRequired(), Length(max=20)])
    issuer_address = StringField(_l("Address"), validators=[Optional(), Length(max=400)])
    issuer_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    bank_details = TextAreaField(_l("Bank account for transfers"), validators=[Optional(), Length(max=2000)])
    tax_rounding = SelectField(_l("Rounding of the tax per rate"), choices=ROUNDING_CHOICES)
    reminder_days = StringField(_l("Reminders (business days after the due date)"), validators=[Optional(), Length(max=60)])
    late_damages_due_days = IntegerField(_l("Late damages due (days after their invoice)"),
                                         validators=[InputRequired(), NumberRange(min=0, max=365)])


class OemFeeForm(FlaskForm):
    plan_name = StringField(_l("Plan"), validators=[Optional(), Length(max=100)])
    plan_fee = IntegerField(_l("Plan fee a month (yen, before tax)"), default=0, validators=[InputRequired(), NumberRange(min=0)])
    server_fee = IntegerField(_l("Fee a month per assigned server (yen, before tax)"), default=0,
                              validators=[InputRequired(), NumberRange(min=0)])
    starts_on = DateField(_l("Billed from"), validators=[InputRequired()])
    ends_on = DateField(_l("Billed until"), validators=[Optional()])
    billing_email = EmailField(_l("Billing email (invoices)"), validators=[Optional(), Length(max=254)])
    billing_address = StringField(_l("Billing address"), validators=[Optional(), Length(max=400)])
    payer_name = StringField(_l("Payer name on bank transfers (kana)"), validators=[Optional(), Length(max=200)])
