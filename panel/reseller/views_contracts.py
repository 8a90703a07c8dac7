"""Business panel: the reseller's own managed-service contracts as the customer sees them —
contract, options, invoices, work requests (file, object, accept), complaints, annual report
(the views shared with the managed-customer panel, panel/customer_contracts.py).
Scoping: the contract tables show a reseller operator only its own reseller's rows."""
from flask_babel import lazy_gettext as _l

from panel.customer_contracts import add_contract_views
from panel.reseller import NAV, bp
from panel.reseller.views_home import operator_only

NAV.append(("reseller.my_contracts", _l("Managed contracts")))

add_contract_views(bp, operator_only, "reseller/layout.html")
