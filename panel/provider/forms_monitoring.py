"""Provider admin forms for monitoring: endpoints, maintenance windows, resource thresholds."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, FloatField, IntegerField, PasswordField, SelectChoice,
                     SelectField,
                     StringField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tenants.monitoring.models import PROTOCOLS


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


class ThresholdsForm(FlaskForm):
    disk_percent = IntegerField(_l("Disk use alert (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    inode_percent = IntegerField(_l("Inode use alert (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    memory_percent = IntegerField(_l("Memory use alert (%)"), validators=[InputRequired(), NumberRange(1, 100)])
    contract_monitoring = BooleanField(_l("Gold/Platinum: file count and database size"))
    file_count_limit = IntegerField(_l("File count limit"), validators=[Optional()])
    db_size_limit_bytes = IntegerField(_l("Database size limit (bytes)"), validators=[Optional()])
    limit_percent = IntegerField(_l("Alert at this percentage of the limit"), validators=[InputRequired(), NumberRange(1, 100)])
