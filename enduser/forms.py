"""The end user's forms. They only carry what was typed; tenants.hosting checks it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from tenants.hosting.dns_records import RECORD_TYPES


class DomainForm(FlaskForm):
    name = StringField(_l("Domain name"), validators=[Length(max=253)])
    docroot = StringField(_l("Document root (folder in your home)"), validators=[Optional(), Length(max=1024)])
    https = BooleanField(_l("HTTPS"))


class HttpsForm(FlaskForm):
    https = BooleanField(_l("HTTPS"))


class PhpForm(FlaskForm):
    # the choices are only offered; tenants.hosting.php_sites checks them (its message beside the field)
    mode = SelectField(_l("Site type"), validate_choice=False,
                       choices=[SelectChoice("static", _l("Static (HTML files only)")), SelectChoice("php", _l("PHP"))])
    php_version = SelectField(_l("PHP version"), choices=[], validate_choice=False)
    php_memory_mb = StringField(_l("PHP memory limit (MB)"), validators=[Optional(), Length(max=6)])


class RecordForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=253)])
    type = SelectField(_l("Type"), choices=[SelectChoice(t) for t in RECORD_TYPES])
    priority = StringField(_l("Priority (MX, SRV)"), validators=[Optional(), Length(max=5)])
    value = StringField(_l("Value"), validators=[Length(max=4000)])
    ttl = StringField(_l("TTL (seconds)"), validators=[Optional(), Length(max=7)])


class MailboxForm(FlaskForm):
    local_part = StringField(_l("Address (before the @)"), validators=[Length(max=64)])
    domain_id = SelectField(_l("Domain"), choices=[])
    password = PasswordField(_l("Password"), validators=[Length(max=128)])
    quota_mb = StringField(_l("Quota (MB)"), validators=[Optional(), Length(max=9)])
    forwards = TextAreaField(_l("Forward to (one address per line)"), validators=[Optional(), Length(max=6000)])
    keep_copy = BooleanField(_l("Keep a copy in this mailbox"), default=True)


class MailboxEditForm(FlaskForm):
    password = PasswordField(_l("New password (leave empty to keep)"), validators=[Length(max=128)])
    quota_mb = StringField(_l("Quota (MB)"), validators=[Optional(), Length(max=9)])
    forwards = TextAreaField(_l("Forward to (one address per line)"), validators=[Optional(), Length(max=6000)])
    keep_copy = BooleanField(_l("Keep a copy in this mailbox"))


class AutoreplyForm(FlaskForm):
    """The mailbox's autoresponder; tenants.hosting.autoreply checks every field."""
    on = BooleanField(_l("Answer incoming mail automatically"))
    subject = StringField(_l("Subject of the reply"), validators=[Optional(), Length(max=1000)])
    body = TextAreaField(_l("Text of the reply"), validators=[Optional(), Length(max=20000)])
    start = StringField(_l("First day (YYYY-MM-DD, optional)"), validators=[Optional(), Length(max=20)])
    end = StringField(_l("Last day (YYYY-MM-DD, optional)"), validators=[Optional(), Length(max=20)])
    days = StringField(_l("Days before the same sender is answered again"), validators=[Optional(), Length(max=6)])


class ListForm(FlaskForm):
    local_part = StringField(_l("Address (before the @)"), validators=[Length(max=64)])
    domain_id = SelectField(_l("Domain"), choices=[])
    members = TextAreaField(_l("Members (one address per line)"), validators=[Optional(), Length(max=150000)])


class MembersForm(FlaskForm):
    members = TextAreaField(_l("Members (one address per line)"), validators=[Optional(), Length(max=150000)])


class CronForm(FlaskForm):
    schedule = StringField(_l("Schedule (minute hour day month weekday)"), validators=[Length(max=100)])
    command = StringField(_l("Command"), validators=[Length(max=1000)])
    output = SelectField(_l("Output"), choices=[SelectChoice("mail", _l("Mail it to my contact address")),
                                                SelectChoice("log", _l("Append it to cron.log in my home"))],
                         default="mail")


class FtpForm(FlaskForm):
    name = StringField(_l("User name"), validators=[Length(max=32)])
    password = PasswordField(_l("Password"), validators=[Length(max=128)])
    directory = StringField(_l("Folder (in your home; empty for the whole home)"),
                            validators=[Optional(), Length(max=1024)])


class SftpForm(FlaskForm):
    name = StringField(_l("User name"), validators=[Length(max=32)])
    password = PasswordField(_l("Password (optional with a key)"), validators=[Length(max=128)])
    public_keys = TextAreaField(_l("Public keys (OpenSSH, one per line)"), validators=[Length(max=200000)])
    shell = BooleanField(_l("Shell access (instead of SFTP only)"))


class SftpEditForm(FlaskForm):
    password = PasswordField(_l("New password (leave empty to keep)"), validators=[Length(max=128)])
    remove_password = BooleanField(_l("Remove the password (log in with a key only)"))
    public_keys = TextAreaField(_l("Public keys (OpenSSH, one per line)"), validators=[Length(max=200000)])
    shell = BooleanField(_l("Shell access (instead of SFTP only)"))


class FtpEditForm(FlaskForm):
    password = PasswordField(_l("New password (leave empty to keep)"), validators=[Length(max=128)])
    directory = StringField(_l("Folder (in your home; empty for the whole home)"),
                            validators=[Optional(), Length(max=1024)])


class DatabaseForm(FlaskForm):
    engine = SelectField(_l("Engine"), choices=[SelectChoice("mariadb", "MariaDB"),
                                                     SelectChoice("postgresql", "PostgreSQL")])
    name = StringField(_l("Database name"), validators=[Length(max=64)])
    user = StringField(_l("User name (empty: same as the database)"), validators=[Optional(), Length(max=80)])


class ProtectedForm(FlaskForm):
    domain_id = SelectField(_l("Domain"), choices=[])
    path = StringField(_l("Folder (empty for the whole site)"), validators=[Optional(), Length(max=1024)])
    realm = StringField(_l("Text of the password prompt"), validators=[Length(max=64)])


class ProtectedUserForm(FlaskForm):
    name = StringField(_l("User name"), validators=[Length(max=64)])
    password = PasswordField(_l("Password"), validators=[Length(max=128)])


class ActionForm(FlaskForm):
    """Buttons (delete, retry, new password): only the CSRF token."""


class CertificateForm(FlaskForm):
    """An own certificate (issue 17): read as uploaded files; tenants.hosting.certificates checks them."""
    certificate = FileField(_l("Certificate (PEM)"))
    chain = FileField(_l("Intermediate certificates (PEM, optional)"))
    key = FileField(_l("Private key (PEM, not encrypted)"))


class RedirectForm(FlaskForm):
    redirect = BooleanField(_l("Send HTTP visitors to HTTPS"))
class AliasForm(FlaskForm):
    address = StringField(_l("Alias address"), validators=[Length(max=254)])
    targets = TextAreaField(_l("Deliver to (one address per line)"), validators=[Optional(), Length(max=15000)])


class CatchAllForm(FlaskForm):
    domain_id = SelectField(_l("Domain"), choices=[])
    targets = TextAreaField(_l("Deliver to (one address per line)"), validators=[Optional(), Length(max=15000)])


class AliasEditForm(FlaskForm):
    targets = TextAreaField(_l("Deliver to (one address per line)"), validators=[Optional(), Length(max=15000)])


class DkimSetupForm(FlaskForm):
    selector = StringField(_l("Selector"), validators=[Length(max=100)])
    in_our_zone = BooleanField(_l("Publish the records in this domain's zone on our name servers"), default=True)


class DkimRotateForm(FlaskForm):
    selector = StringField(_l("New selector"), validators=[Length(max=100)])


class DkimZoneForm(FlaskForm):
    in_our_zone = BooleanField(_l("Publish the records in this domain's zone on our name servers"))
