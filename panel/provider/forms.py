"""Provider admin forms.

Provider admin forms for incidents: the fault report, remediation commands.

Provider admin forms for monitoring: endpoints, maintenance windows, resource thresholds."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tenants.monitoring.models import PROTOCOLS
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
    webhook_url = StringField(_l("Webhook URL (signed JSON, optional)"), validators=[Optional(), Length(max=500)])
    webhook_secret = PasswordField(_l("Webhook secret (empty: keep)"), validators=[Optional(), Length(max=200)])


class ContactsForm(FlaskForm):
    contacts = FieldList(FormField(ContactForm), min_entries=4, max_entries=10)


class StaffPasswordForm(FlaskForm):
    password = PasswordField(_l("New password (leave empty to generate one)"), validators=[Optional(), Length(max=256)])


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
    ipv6_address = StringField(_l("IPv6 address (optional)"), validators=[Optional(), Length(max=64)])
    mail_host = StringField(_l("Mail host for MX records (empty: the host name)"),
                            validators=[Optional(), Length(max=253)])
    zone_template = TextAreaField(_l("Records of a new domain's zone"), validators=[Optional(), Length(max=10000)])
    resellers = MultiCheckboxField(_l("Resellers that may place customers on it"), coerce=int)


class ConnectionForm(FlaskForm):
    """How the panel reaches a server; the domain checks every field (tenants.servers.connection).
    The passwords are write-only: never shown, an empty field keeps the stored one."""
    ssh_port = StringField(_l("SSH port"), default="22", validators=[Length(max=10)])
    ssh_user = StringField(_l("SSH user"), default="root", validators=[Length(max=32)])
    config_dir = StringField(_l("Configuration folder (nginx, postfix, dovecot, pure-ftpd, BIND files)"),
                             validators=[Optional(), Length(max=500)])
    homes_root = StringField(_l("Customers' homes"), validators=[Optional(), Length(max=500)])
    mail_root = StringField(_l("Mailboxes"), validators=[Optional(), Length(max=500)])
    mail_log = StringField(_l("Mail log"), validators=[Optional(), Length(max=500)])
    php_fpm_dir = StringField(_l("Folder of the php-fpmX.Y programs (empty: /usr/sbin)"),
                              validators=[Optional(), Length(max=500)])
    php_socket_dir = StringField(_l("Folder of the PHP-FPM sockets (empty: inside the configuration folder)"),
                                 validators=[Optional(), Length(max=500)])
    cron_file = StringField(_l("Cron file of the customers' jobs (empty: /etc/cron.d/hosting-panel)"),
                            validators=[Optional(), Length(max=500)])
    web_group = StringField(_l("Group of the web server, which may read customers' sites (empty: www-data)"),
                            validators=[Optional(), Length(max=32)])
    system_user_prefix = StringField(_l("Prefix of customers' system user names (empty: pc)"),
                                     validators=[Optional(), Length(max=16)])
    uid_min = StringField(_l("Lowest uid of customers' system users (empty: 20000)"),
                          validators=[Optional(), Length(max=10)])
    uid_max = StringField(_l("Highest uid of customers' system users (empty: 59999)"),
                          validators=[Optional(), Length(max=10)])
    sshd_config = StringField(_l("sshd's configuration, which includes the panel's drop-in (empty: /etc/ssh/sshd_config)"),
                              validators=[Optional(), Length(max=500)])
    sshd_dropin = StringField(_l("The panel's sshd drop-in (empty: /etc/ssh/sshd_config.d/hosting-panel.conf)"),
                              validators=[Optional(), Length(max=500)])
    ssh_keys_dir = StringField(_l("Folder of the SFTP/SSH logins' key files (empty: /etc/ssh/hosting-panel-keys)"),
                               validators=[Optional(), Length(max=500)])
    sftp_group = StringField(_l("Group of SFTP-only logins (empty: hostingsftp)"), validators=[Optional(), Length(max=32)])
    ssh_group = StringField(_l("Group of shell logins (empty: hostingssh)"), validators=[Optional(), Length(max=32)])
    reload_ssh = StringField(_l("Reload sshd, e.g. systemctl reload ssh"), validators=[Optional(), Length(max=500)])
    kill_ssh = StringField(_l("pkill (ends a stopped customer's SFTP/SSH sessions), e.g. pkill"),
                           validators=[Optional(), Length(max=500)])
    dkim_group = StringField(_l("Group OpenDKIM reads the signing keys as (empty: opendkim)"),
                             validators=[Optional(), Length(max=32)])
    dkim_trusted_hosts = StringField(_l("Hosts and networks whose mail OpenDKIM signs (empty: this server only)"),
                                     validators=[Optional(), Length(max=1000)])
    reload_dkim = StringField(_l("Reload OpenDKIM, e.g. systemctl reload opendkim"),
                              validators=[Optional(), Length(max=500)])
    reload_web = StringField(_l("Reload the web server"), validators=[Optional(), Length(max=500)])
    reload_mail = StringField(_l("Reload mail"), validators=[Optional(), Length(max=500)])
    reload_ftp = StringField(_l("Reload FTP"), validators=[Optional(), Length(max=500)])
    reload_dns = StringField(_l("Reload DNS"), validators=[Optional(), Length(max=500)])
    kick_mail = StringField(_l("doveadm (ends a stopped customer's IMAP/POP3 sessions), e.g. doveadm"),
                            validators=[Optional(), Length(max=500)])
    list_ftp = StringField(_l("pure-ftpwho (lists FTP sessions), e.g. pure-ftpwho"),
                           validators=[Optional(), Length(max=500)])
    kill_ftp = StringField(_l("kill (ends a stopped customer's FTP sessions), e.g. kill"),
                           validators=[Optional(), Length(max=500)])
    mariadb_user = StringField(_l("MariaDB administrator"), validators=[Optional(), Length(max=80)])
    mariadb_password = PasswordField(_l("MariaDB administrator's password (leave empty to keep the stored one)"),
                                     validators=[Optional(), Length(max=200)])
    postgresql_user = StringField(_l("PostgreSQL administrator"), validators=[Optional(), Length(max=80)])
    postgresql_password = PasswordField(_l("PostgreSQL administrator's password (leave empty to keep the stored "
                                           "one)"), validators=[Optional(), Length(max=200)])


class SshKeyForm(FlaskForm):
    """Generate the server's key pair, or upload a private key (write-only, never shown again)."""
    ssh_private_key = TextAreaField(_l("Upload a private key instead (OpenSSH or PEM, unencrypted)"),
                                    validators=[Optional(), Length(max=20000)])


class PinForm(FlaskForm):
    host_key = HiddenField(validators=[DataRequired(), Length(max=20000)])


class ReservedNameForm(FlaskForm):
    name = StringField(_l("Name (nameserver, panel host name or own domain)"),
                       validators=[DataRequired(), Length(max=253)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


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
    enabled = BooleanField(_l("Automatic remediation on"), default=True)


class PowerForm(FlaskForm):
    """A server's power driver (level 2); the domain checks every field (tenants.servers.power)."""
    power_driver = SelectField(_l("Power driver"), validate_choice=False, choices=[
        SelectChoice("none", _l("None (level 2 not available)")), SelectChoice("ipmi", _l("IPMI over LAN")),
        SelectChoice("command", _l("Command (e.g. a hypervisor CLI)"))])
    ipmi_host = StringField(_l("BMC address"), validators=[Optional(), Length(max=253)])
    ipmi_port = StringField(_l("BMC port (UDP)"), default="623", validators=[Optional(), Length(max=10)])
    ipmi_user = StringField(_l("BMC user"), validators=[Optional(), Length(max=64)])
    ipmi_password = PasswordField(_l("BMC password (leave empty to keep the stored one)"),
                                  validators=[Optional(), Length(max=200)])
    cycle_command = StringField(_l("Power-cycle command (program and arguments, no shell)"),
                                validators=[Optional(), Length(max=1000)])
    status_command = StringField(_l("Power status command (optional)"), validators=[Optional(), Length(max=1000)])
    timeout_seconds = StringField(_l("Timeout (seconds)"), default="120", validators=[Optional(), Length(max=10)])
    grace_minutes = StringField(_l("Judge the host again after (minutes)"), default="10",
                                validators=[Optional(), Length(max=10)])


class EndpointForm(FlaskForm):
    protocol = SelectField(_l("Protocol"), choices=[SelectChoice(p, p) for p in PROTOCOLS])
    port = IntegerField(_l("Port (empty for ping)"), validators=[Optional()])
    host = StringField(_l("Address to check (empty: the server's address)"), validators=[Optional(), Length(max=253)])
    server_name = StringField(_l("Host name for TLS (SNI) and HTTP"), validators=[Optional(), Length(max=253)])
    path = StringField(_l("HTTP path"), default="/", validators=[Optional(), Length(max=255)])
    expect_status = IntegerField(_l("Expected HTTP status"), default=200, validators=[InputRequired()])
    keyword = StringField(_l("Keyword the page must contain"), validators=[Optional(), Length(max=200)])
    username = StringField(_l("Login user (databases)"), validators=[Optional(), Length(max=100)])
    password = PasswordField(_l("Login password (leave empty to keep)"), validators=[Optional(), Length(max=200)])
    clear_password = BooleanField(_l("Remove the stored password"))
    database = StringField(_l("Database"), validators=[Optional(), Length(max=100)])
    verify_tls = BooleanField(_l("Verify the TLS certificate"), default=True)
    ca_file = StringField(_l("CA file for verification (empty: system CAs)"), validators=[Optional(), Length(max=500)])
    timeout_seconds = FloatField(_l("Timeout (seconds)"), default=10.0, validators=[InputRequired()])
    failure_threshold = IntegerField(_l("Failed checks before DOWN"), default=2, validators=[InputRequired()])
    paused = BooleanField(_l("Paused"))


class MaintenanceForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts (JST)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends (JST)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    announce_days = IntegerField(_l("Announce days ahead (0: not announced)"), default=0,
                                 validators=[Optional(), NumberRange(0, 60)])
    tell_end_users = BooleanField(_l("Also tell the end users on this server (under each reseller's brand)"))
    recurrence = SelectField(_l("Repeat"), choices=[SelectChoice("", _l("Once")), SelectChoice("weekly", _l("Weekly")),
                                                    SelectChoice("monthly", _l("Monthly"))], default="")


class PanelUpdateForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts (JST)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends (JST)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    announce_days = IntegerField(_l("Announce days ahead"), default=7, validators=[InputRequired(), NumberRange(1, 60)])
    tell_end_users = BooleanField(_l("Also tell the end users (under each reseller's brand)"))


class LogSuppressionForm(FlaskForm):
    regex = StringField(_l("Lines to ignore (regular expression)"), validators=[DataRequired(), Length(max=500)])
    note = StringField(_l("Why"), validators=[Optional(), Length(max=200)])


class LogPatternForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    regex = StringField(_l("Regular expression"), validators=[DataRequired(), Length(max=500)])


class ThresholdsForm(FlaskForm):
    disk_percent = IntegerField(_l("Disk use alert (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    inode_percent = IntegerField(_l("Inode use alert (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    memory_percent = IntegerField(_l("Memory use alert (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    contract_monitoring = BooleanField(_l("Gold/Platinum: file count and database size"))
    file_count_limit = IntegerField(_l("File count limit"), validators=[Optional()])
    db_size_limit_bytes = IntegerField(_l("Database size limit (bytes)"), validators=[Optional()])
    limit_percent = IntegerField(_l("Alert at this percentage of the limit"), validators=[InputRequired(), NumberRange(1, 100)])


class AbuseLockForm(FlaskForm):
    reseller_code = StringField(_l("Reseller code"), validators=[Length(max=32)])
    login_id = StringField(_l("End user's login ID"), validators=[Length(max=64)])
    reason = TextAreaField(_l("Reason (shown to the reseller)"), validators=[Length(max=2000)])


class AbuseUnlockForm(FlaskForm):
    reason = TextAreaField(_l("Reason for lifting the lock"), validators=[Length(max=2000)])
