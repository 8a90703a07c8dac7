"""The business panel's URL table and navigation: every page of /panel, in one place."""
from flask_babel import lazy_gettext as _l

from panel.contract_party import views as contract_party
from panel.reseller import accounts, api_tokens, branding, courses, customers, incidents, monitoring, usage
from panel.reseller.accounts import operator_only

CONTEXT = [incidents.reseller_incident_helpers]
RULES = accounts.ACCOUNT.rules() + [
    ("/", accounts.dashboard),
    ("/audit", accounts.audit_log),
    ("/api-tokens", api_tokens.api_tokens, ["GET", "POST"]),
    ("/api-tokens/<int:token_id>/revoke", api_tokens.api_token_revoke, ["POST"]),
    ("/brand", branding.brand, ["GET", "POST"]),
    ("/courses", courses.courses),
    ("/courses/new", courses.course_new, ["GET", "POST"]),
    ("/courses/<int:course_id>/edit", courses.course_edit, ["GET", "POST"]),
    ("/courses/<int:course_id>/delete", courses.course_delete, ["POST"]),
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
    ("/incidents", incidents.incidents),
    ("/mail-locks", incidents.mail_locks),
    ("/mail-locks/<int:lock_id>/unlock", incidents.mail_lock_unlock, ["POST"]),
    ("/monitoring", monitoring.monitoring),
    ("/monitoring.json", monitoring.monitoring_json),
    ("/usage", usage.usage_overview),
    ("/usage/servers/<int:server_id>", usage.usage_server),
    ("/usage/customers/<int:customer_id>", usage.usage_customer),
] + contract_party.rules(operator_only)

# (endpoint, label) of the panel's navigation, in its order
NAV = [
    ("reseller.monitoring", _l("Server status")),
    ("reseller.incidents", _l("Incidents")),
    ("reseller.mail_locks", _l("Locked mail accounts")),
    ("reseller.my_contracts", _l("Managed contracts")),
    ("reseller.courses", _l("Courses")),
    ("reseller.customers", _l("Customers")),
    ("reseller.brand", _l("Branding")),
    ("reseller.usage_overview", _l("Server usage")),
    ("reseller.api_tokens", _l("API")),
]
