"""The managed-customer panel's URL table: every page of /managed, in one place."""
from panel.contract_party import views as contract_party
from panel.managed.views import ACCOUNT, customer_only, dashboard

RULES = ACCOUNT.rules() + [("/", dashboard)] + contract_party.rules(customer_only)
