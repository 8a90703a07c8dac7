"""The end-user panel's URL table and navigation: every page of /u/<code>/, in one place."""
from flask_babel import lazy_gettext as _l

from enduser import (
    aliases,
    backups,
    certificates,
    cron,
    ftp_and_databases,
    home,
    hosting,
    incidents,
    mail,
    mail_auth,
    sites,
    ssh,
    status,
    support,
)

CONTEXT = [incidents.enduser_incident_notice, support.support_context]
BEFORE = [support.support_view]
FILTERS = [hosting.unicode_domain, hosting.failure_reason, hosting.certificate_reason]

RULES = home.ACCOUNT.rules(login_path="/") + [
    ("/support/end", support.support_end, ["POST"]),
    ("/home", home.dashboard),
    ("/status", status.status),  # public: no login (issue 20, a status page per reseller)
    ("/logo", home.logo),
    ("/ftp", ftp_and_databases.ftp, ["GET", "POST"]),
    ("/cron", cron.cron, ["GET", "POST"]),
    ("/ftp/<int:account_id>", ftp_and_databases.ftp_account, ["GET", "POST"]),
    ("/ssh", ssh.ssh, ["GET", "POST"]),
    ("/ssh/<int:sftp_id>", ssh.ssh_account, ["GET", "POST"]),
    ("/databases", ftp_and_databases.databases, ["GET", "POST"]),
    ("/databases/<int:database_id>/password", ftp_and_databases.database_password, ["POST"]),
    ("/mail", mail.mail, ["GET", "POST"]),
    ("/mail/<int:mailbox_id>", mail.mailbox, ["GET", "POST"]),
    ("/mail/<int:mailbox_id>/autoreply", mail.mailbox_autoreply, ["POST"]),
    ("/lists", mail.lists, ["GET", "POST"]),
    ("/lists/<int:list_id>", mail.list_members, ["GET", "POST"]),
    ("/aliases", aliases.aliases, ["GET", "POST"]),
    ("/aliases/catch-all", aliases.catch_all, ["POST"]),
    ("/aliases/<int:alias_id>", aliases.alias, ["GET", "POST"]),
    ("/domains", sites.domains, ["GET", "POST"]),
    ("/domains/<int:domain_id>/https", sites.domain_https, ["POST"]),
    ("/domains/<int:domain_id>/dns", sites.dns, ["GET", "POST"]),
    ("/domains/<int:domain_id>/certificate", certificates.certificate, ["GET", "POST"]),
    ("/domains/<int:domain_id>/certificate/acme", certificates.certificate_acme, ["POST"]),
    ("/domains/<int:domain_id>/redirect", certificates.https_redirect, ["POST"]),
    ("/domains/<int:domain_id>/php", sites.domain_php, ["GET", "POST"]),
    ("/domains/<int:domain_id>/mail-auth", mail_auth.mail_auth, ["GET", "POST"]),
    ("/domains/<int:domain_id>/mail-auth/rotate", mail_auth.mail_auth_rotate, ["POST"]),
    ("/domains/<int:domain_id>/mail-auth/zone", mail_auth.mail_auth_zone, ["POST"]),
    ("/protected", sites.protected, ["GET", "POST"]),
    ("/protected/<int:directory_id>", sites.protected_users, ["GET", "POST"]),
    ("/protected-users/<int:user_id>/delete", sites.protected_user_delete, ["POST"]),
    ("/backups", backups.backups, ["GET", "POST"]),
    ("/backups/database", backups.backup_database, ["POST"]),
    ("/backups/restores/<int:restore_id>", backups.backup_restore),
] + ftp_and_databases.BUTTONS + ssh.BUTTONS + cron.BUTTONS + mail.BUTTONS + aliases.BUTTONS + sites.BUTTONS \
    + mail_auth.BUTTONS

# (endpoint, label) of the end user's navigation, in its order
NAV = [("enduser.domains", _l("Domains")), ("enduser.mail", _l("Mail")), ("enduser.lists", _l("Mailing lists")),
       ("enduser.aliases", _l("Mail aliases")),
       ("enduser.ftp", _l("FTP")), ("enduser.ssh", _l("SFTP/SSH")),
       ("enduser.cron", _l("Cron jobs")), ("enduser.databases", _l("Databases")),
       ("enduser.protected", _l("Protected folders")), ("enduser.backups", _l("Backups"))]
