"""Provider admin: the login of a direct managed-service customer (its own /managed panel),
issued or its password reset from the contract data screen."""
from flask import render_template
from flask_login import current_user

from panel.provider.accounts import staff_only
from panel.provider.contracts import forms as F
from tenants.contracts import logins as rules
from tenants.models import Contract
from tenants.tenancy import get_owned_or_404
from web.db import db
from web.forms import FAILED, commit_or_show, form_status


# managed terms §10.1 (the contract party): issue the login, or reset its password
@staff_only
def contract_party_login(contract_id):
    s = db()
    contract = get_owned_or_404(s, Contract, contract_id)
    party = contract.party
    login = rules.login_of(s, party)
    form = F.ManagedLoginForm()
    if form.validate_on_submit():
        typed = form.password.data or None
        if login is None:
            password = commit_or_show(form, lambda: rules.issue_login(
                s, current_user, party, form.login_id.data or "", typed))
        else:
            password = commit_or_show(form, lambda: rules.reset_password(s, current_user, party, typed))
        if password is not FAILED:
            return render_template("provider/contract_login_issued.html", c=contract, party=party,
                                   login=rules.login_of(s, party), password=None if typed else password)
    return render_template("provider/contract_login.html", c=contract, party=party, login=login,
                           form=form), form_status(form)
