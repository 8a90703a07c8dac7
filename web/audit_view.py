"""The audit log page both operator panels show (the session's scope decides whose entries)."""
from flask import render_template, request
from sqlalchemy import select

from tenants.models import AuditLog
from web.db import db
from web.paging import paginate


def audit_page(template: str):
    action = (request.args.get("action") or "").strip()
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action))
    return render_template(template, page=paginate(db(), stmt, action=action), action=action)
