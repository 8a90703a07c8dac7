"""Business panel forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tenants.customers.courses import MAX_LIMIT


def _limit(label):
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=0, max=MAX_LIMIT)])


class CourseForm(FlaskForm):
    name = StringField(_l("Course name"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    disk_quota_mb = _limit(_l("Disk quota (MB)"))
    traffic_quota_gb = _limit(_l("Monthly traffic quota (GB)"))
    max_domains = _limit(_l("Domains"))
    max_mail_accounts = _limit(_l("Mail accounts"))
    mailbox_quota_mb = _limit(_l("Mailbox quota (MB)"))
    max_mailing_lists = _limit(_l("Mailing lists"))
    max_mail_aliases = _limit(_l("Mail aliases and catch-alls"))
    max_ftp_accounts = _limit(_l("FTP accounts"))
    max_databases = _limit(_l("Databases"))
    max_dns_records = _limit(_l("DNS records"))
    mass_mail_per_hour = _limit(_l("Mass-mail threshold (messages per hour)"))
    max_cron_jobs = IntegerField(_l("Cron jobs"), validators=[Optional(), NumberRange(min=0, max=MAX_LIMIT)])
    php_memory_limit_mb = IntegerField(_l("PHP memory limit per request (MB)"),
                                       validators=[Optional(), NumberRange(min=0, max=MAX_LIMIT)])
    https_allowed = BooleanField(_l("HTTPS allowed"))
    php_allowed = BooleanField(_l("PHP allowed"))
    shell_allowed = BooleanField(_l("Shell access for SFTP/SSH accounts"))
    overuse_notify = BooleanField(_l("Notify the reseller and the end user at 80 and at 100 percent of a quota"))
    overuse_suspend = BooleanField(_l("Suspend the site at 100 percent until usage drops or the quota is raised"))
    confirmed = HiddenField()


class CustomerForm(FlaskForm):
    contractor_name = StringField(_l("Contractor name"), validators=[DataRequired(), Length(max=200)])
    customer_number = StringField(_l("Customer number (optional)"), validators=[Optional(), Length(max=64)])
    course_id = SelectField(_l("Course"), coerce=int, validate_choice=False)
    server_id = SelectField(_l("Server"), coerce=int, validate_choice=False)
    contract_date = DateField(_l("Contract date"), validators=[Optional()])
    start_date = DateField(_l("Start-of-use date"), validators=[Optional()])
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), Length(max=254)])
    status = SelectField(_l("Status"), choices=[SelectChoice("active", _l("active")),
                                                SelectChoice("suspended", _l("suspended")),
                                                SelectChoice("locked", _l("locked"))],
                         validate_choice=False)  # a cancelled customer keeps its status; the rule checks it


class NewCustomerForm(CustomerForm):
    login_id = StringField(_l("Login ID"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Initial password (leave empty to generate one)"), validators=[Optional()])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password (leave empty to generate one)"), validators=[Optional()])


class CancelForm(FlaskForm):
    cancel_on = DateField(_l("Remove on"), validators=[InputRequired()])


class MoveForm(FlaskForm):
    to_server_id = SelectField(_l("Move to server"), coerce=int, validate_choice=False)


class BrandForm(FlaskForm):
    brand_name = StringField(_l("Brand name shown to end users"), validators=[DataRequired(), Length(max=200)])
    support_email = EmailField(_l("Support email"), validators=[Optional(), Length(max=254)])
    support_phone = StringField(_l("Support phone"), validators=[Optional(), Length(max=40)])
    support_hours = StringField(_l("Support hours"), validators=[Optional(), Length(max=200)])
    logo = FileField(_l("Logo (PNG or JPEG, at most 256 KB)"))
    remove_logo = BooleanField(_l("Remove the logo"))


class CsvImportForm(FlaskForm):
    file = FileField(_l("CSV file (UTF-8)"))
    dry_run = BooleanField(_l("Dry run: check only, change nothing"), default=True)


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    expires_on = DateField(_l("Expires after (optional)"), validators=[Optional()])
    allowed_addresses = TextAreaField(_l("Allowed source addresses (optional, one network per line)"),
                                      validators=[Optional(), Length(max=2000)])
