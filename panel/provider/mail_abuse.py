"""Provider admin: accounts locked for mass mail, on every server, and unlocking them."""
from flask import render_template

from panel.mail_abuse import unlock_and_return
from panel.provider.accounts import staff_only
from tenants.incidents.overview import locks
from web.db import db


@staff_only
def mail_locks():
    return render_template("provider/mail_locks.html", locks=locks(db(), include_unlocked=True))


@staff_only
def mail_lock_unlock(lock_id):
    return unlock_and_return(lock_id, "provider.mail_locks", "provider/mail_locks.html",
                             lambda: locks(db(), include_unlocked=True))
