"""The provider admin's URL table: every page of /admin, in one place (each endpoint is its view's
name), grouped by the area whose rights it needs (tenants/accounts/rights.py)."""
from panel.provider import accounts, fleet, hosting, incidents, mail_abuse, monitoring, resellers, servers, staff
from panel.provider.contracts import billing, lifecycle, login, work
from tenants.accounts.rights import Area
from web.rights import area

CONTEXT = [incidents.incident_helpers]
RULES = accounts.ACCOUNT.rules() + area(Area.DASHBOARD, [
    ("/", accounts.dashboard),
]) + area(Area.AUDIT, [
    ("/audit", resellers.audit_log),
]) + area(Area.RESELLERS, [
    ("/resellers", resellers.resellers),
    ("/resellers/new", resellers.reseller_new, ["GET", "POST"]),
    ("/resellers/<int:reseller_id>", resellers.reseller),
    ("/resellers/<int:reseller_id>/edit", resellers.reseller_edit, ["GET", "POST"]),
    ("/resellers/<int:reseller_id>/status", resellers.reseller_status, ["POST"]),
    ("/resellers/<int:reseller_id>/two-factor", resellers.reseller_totp, ["POST"]),
    ("/resellers/<int:reseller_id>/contacts", resellers.reseller_contacts, ["GET", "POST"]),
    ("/resellers/<int:reseller_id>/operators/new", resellers.operator_new, ["GET", "POST"]),
    ("/resellers/<int:reseller_id>/operators/<int:principal_id>/active", resellers.operator_active, ["POST"]),
], forms=(resellers.reseller_new, resellers.reseller_edit, resellers.reseller_contacts, resellers.operator_new)) + area(
    Area.STAFF, [
    ("/staff", staff.staff),
    ("/staff/new", staff.staff_new, ["GET", "POST"]),
    ("/staff/<int:principal_id>/active", staff.staff_active, ["POST"]),
    ("/staff/<int:principal_id>/password", staff.staff_password, ["GET", "POST"]),
    ("/staff/<int:principal_id>/access", staff.staff_access, ["POST"]),
    ("/staff/<int:principal_id>/two-factor", staff.staff_totp_reset, ["POST"]),
    ("/staff/policy", staff.staff_policy, ["POST"]),
], forms=(staff.staff_new, staff.staff_password)) + area(Area.SERVERS, [
    ("/servers", servers.servers),
    ("/servers/<int:server_id>/failures", servers.server_failures),
    ("/servers/new", servers.server_new, ["GET", "POST"]),
    ("/servers/<int:server_id>/edit", servers.server_edit, ["GET", "POST"]),
    ("/servers/<int:server_id>/power", servers.server_power, ["GET", "POST"]),
    ("/servers/<int:server_id>/connection", fleet.server_connection, ["GET", "POST"]),
    ("/servers/<int:server_id>/key", fleet.server_key, ["POST"]),
    ("/servers/<int:server_id>/test", fleet.server_test, ["GET", "POST"]),
    ("/servers/<int:server_id>/pin", fleet.server_pin, ["POST"]),
    ("/servers/<int:server_id>/retire", fleet.server_retire, ["POST"]),
    ("/reserved-names", hosting.reserved_names, ["GET", "POST"]),
    ("/reserved-names/<int:name_id>/delete", hosting.reserved_name_delete, ["POST"]),
], forms=(servers.server_new, servers.server_edit)) + area(Area.MONITORING, [
    ("/monitoring", monitoring.monitoring),
    ("/monitoring/servers/<int:server_id>", monitoring.monitoring_server),
    ("/monitoring/servers/<int:server_id>/endpoints", monitoring.monitoring_endpoint_add, ["POST"]),
    ("/monitoring/servers/<int:server_id>/endpoints/<int:endpoint_id>", monitoring.monitoring_endpoint_edit, ["POST"]),
    ("/monitoring/servers/<int:server_id>/endpoints/<int:endpoint_id>/pause", monitoring.monitoring_endpoint_pause, ["POST"]),
    ("/monitoring/servers/<int:server_id>/endpoints/<int:endpoint_id>/delete", monitoring.monitoring_endpoint_delete, ["POST"]),
    ("/monitoring/servers/<int:server_id>/defaults", monitoring.monitoring_defaults, ["POST"]),
    ("/monitoring/servers/<int:server_id>/maintenance", monitoring.monitoring_maintenance, ["POST"]),
    ("/monitoring/servers/<int:server_id>/maintenance/<int:window_id>/delete", monitoring.monitoring_maintenance_delete,
     ["POST"]),
    ("/monitoring/servers/<int:server_id>/thresholds", monitoring.monitoring_thresholds, ["POST"]),
]) + area(Area.INCIDENTS, [
    ("/incidents", incidents.incidents),
    ("/incidents/<int:incident_id>", incidents.incident),
    ("/reports/<int:report_id>", incidents.fault_report, ["GET", "POST"]),
    ("/mail-locks", mail_abuse.mail_locks),
    ("/mail-locks/<int:lock_id>/unlock", mail_abuse.mail_lock_unlock, ["POST"]),
    ("/servers/<int:server_id>/remediation", incidents.server_remediation, ["GET", "POST"]),
]) + area(Area.CONTRACTS, [
    ("/contracts", lifecycle.contracts),
    ("/contracts/new", lifecycle.contract_new, ["GET", "POST"]),
    ("/contracts/<int:contract_id>", lifecycle.contract),
    ("/contracts/<int:contract_id>/accept", lifecycle.contract_accept, ["POST"]),
    ("/contracts/<int:contract_id>/refuse", lifecycle.contract_refuse, ["POST"]),
    ("/contracts/<int:contract_id>/notice", lifecycle.contract_notice, ["POST"]),
    ("/contracts/<int:contract_id>/confirm", lifecycle.contract_confirm, ["POST"]),
    ("/contracts/<int:contract_id>/cancel", lifecycle.contract_cancel, ["POST"]),
    ("/contracts/<int:contract_id>/options", lifecycle.contract_option_add, ["POST"]),
    ("/contracts/options/<int:option_id>/cancel", lifecycle.contract_option_cancel, ["POST"]),
    ("/contracts/<int:contract_id>/party", lifecycle.contract_party, ["GET", "POST"]),
    ("/contracts/invoices", billing.contract_invoices, ["GET", "POST"]),
    ("/contracts/invoices/<int:invoice_id>", billing.contract_invoice, ["GET", "POST"]),
    ("/contracts/invoices/<int:invoice_id>/print", billing.contract_invoice_print),
    ("/contracts/<int:contract_id>/suspend", billing.contract_suspend, ["POST"]),
    ("/contracts/suspensions/<int:suspension_id>/resume", billing.contract_resume, ["POST"]),
    ("/contracts/suspensions/<int:suspension_id>/terminate", billing.contract_terminate, ["POST"]),
    ("/contracts/work", work.contract_work_list),
    ("/contracts/<int:contract_id>/work", work.contract_work_new, ["POST"]),
    ("/contracts/work/<int:request_id>", work.contract_work, ["GET", "POST"]),
    ("/contracts/<int:contract_id>/complaints", work.contract_complaint_new, ["POST"]),
    ("/contracts/complaints/<int:complaint_id>", work.contract_complaint, ["GET", "POST"]),
    ("/contracts/<int:contract_id>/report", work.contract_report),
    ("/contracts/<int:contract_id>/party/login", login.contract_party_login, ["GET", "POST"]),
], forms=(lifecycle.contract_new,))
