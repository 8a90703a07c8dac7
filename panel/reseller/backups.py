"""Business panel: the backup status of the reseller's customers (issue 18 item 5)."""
from flask import render_template

from panel.reseller.accounts import operator_only
from tenants.backups.status import customer_backups
from web.db import db


@operator_only
def backups():
    return render_template("reseller/backups.html", rows=customer_backups(db()))
