"""The business panel's URL table and navigation: every page of /panel, in one place, grouped by the
area whose rights it needs (tenants/accounts/rights.py)."""
from flask_babel import lazy_gettext as _l

from panel.contract_party import views as contract_party
from panel.reseller import accounts, api_tokens, backups, branding, courses, customers, incidents, monitoring, operators, usage
from panel.reseller.accounts import operator_only
from tenants.accounts.rights import Area
from web.rights import area

CONTEXT = [incidents.reseller_incident_helpers]
RULES = accounts.ACCOUNT.rules() + area(Area.DASHBOARD, [
    ("/", accounts.dashboard),
]) + area(Area.AUDIT, [
    ("/audit", accounts.audit_log),
]) + area(Area.OPERATORS, [
    ("/operators", operators.operators),
    ("/operators/new", operators.operator_new, ["GET", "POST"]),
    ("/operators/<int:principal_id>/active", operators.operator_active, ["POST"]),
    ("/operators/<int:principal_id>/password", operators.operator_password, ["GET", "POST"]),
    ("/operators/<int:principal_id>/access", operators.operator_access, ["POST"]),
    ("/operators/<int:principal_id>/two-factor", operators.operator_totp_reset, ["POST"]),
    ("/security-events", operators.security_events),
], forms=(operators.operator_new, operators.operator_password)) + area(Area.API_TOKENS, [
    ("/api-tokens", api_tokens.api_tokens, ["GET", "POST"]),
    ("/api-tokens/<int:token_id>/revoke", api_tokens.api_token_revoke, ["POST"]),
]) + area(Area.BRANDING, [
    ("/brand", branding.brand, ["GET", "POST"]),
]) + area(Area.COURSES, [
    ("/courses", courses.courses),
    ("/courses/new", courses.course_new, ["GET", "POST"]),
    ("/courses/<int:course_id>/edit", courses.course_edit, ["GET", "POST"]),
    ("/courses/<int:course_id>/delete", courses.course_delete, ["POST"]),
], forms=(courses.course_new, courses.course_edit)) + area(Area.CUSTOMERS, [
    ("/customers", customers.customers),
    ("/customers/new", customers.customer_new, ["GET", "POST"]),
    ("/customers/<int:customer_id>", customers.customer, ["GET", "POST"]),
    ("/customers/<int:customer_id>/suspend", customers.customer_suspend, ["POST"]),
    ("/customers/<int:customer_id>/resume", customers.customer_resume, ["POST"]),
    ("/customers/<int:customer_id>/cancel", customers.customer_cancel, ["POST"]),
    ("/customers/<int:customer_id>/delete", customers.customer_delete, ["POST"]),
    ("/customers/<int:customer_id>/password", customers.customer_password, ["POST"]),
    ("/customers/<int:customer_id>/support", customers.customer_support, ["POST"]),
    ("/customers/<int:customer_id>/move", customers.customer_move, ["POST"]),
    ("/customers/export.csv", customers.customers_export),
    ("/customers/import", customers.customers_import, ["GET", "POST"]),
    ("/mail-locks", incidents.mail_locks),
    ("/mail-locks/<int:lock_id>/unlock", incidents.mail_lock_unlock, ["POST"]),
], forms=(customers.customer_new, customers.customers_import)) + area(Area.STATUS, [
    ("/incidents", incidents.incidents),
    ("/monitoring", monitoring.monitoring),
    ("/monitoring.json", monitoring.monitoring_json),
    ("/usage", usage.usage_overview),
    ("/usage/servers/<int:server_id>", usage.usage_server),
    ("/usage/customers/<int:customer_id>", usage.usage_customer),
    ("/backups", backups.backups),
]) + area(Area.CONTRACTS, contract_party.rules(operator_only))

# (endpoint, label, area) of the panel's navigation, in its order; a link shows only to whoever may read its area
NAV = [
    ("reseller.monitoring", _l("Server status"), Area.STATUS),
    ("reseller.incidents", _l("Incidents"), Area.STATUS),
    ("reseller.mail_locks", _l("Locked mail accounts"), Area.CUSTOMERS),
    ("reseller.my_contracts", _l("Managed contracts"), Area.CONTRACTS),
    ("reseller.my_invoices", _l("Invoices"), Area.CONTRACTS),
    ("reseller.courses", _l("Courses"), Area.COURSES),
    ("reseller.customers", _l("Customers"), Area.CUSTOMERS),
    ("reseller.brand", _l("Branding"), Area.BRANDING),
    ("reseller.usage_overview", _l("Server usage"), Area.STATUS),
    ("reseller.backups", _l("Backups"), Area.STATUS),
    ("reseller.api_tokens", _l("API"), Area.API_TOKENS),
    ("reseller.operators", _l("Operators"), Area.OPERATORS),
]
