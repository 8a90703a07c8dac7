"""Customer databases on MariaDB and PostgreSQL: a database, its user and an issued password.

The password is generated here and shown to the user once. Until the provisioning job has set it
on the server it is kept sealed with the app's SecretBox, bound to this row and field; the job
erases it once applied, so the panel holds no database password at rest afterwards.
"""
from __future__ import annotations

from tenants import audit
from tenants.accounts.password_policy import generate_password
from tenants.crypto import SecretBox
from tenants.errors import N_, RuleViolation
from tenants.hosting import account_names
from tenants.hosting.wanted import Work, check_limit, checked_all, need_server, taken_anywhere
from tenants.models import Customer, Database

PASSWORD_FIELD = "password"


def prefix(customer: Customer) -> str:
    """Every customer's databases and users start with u<customer id>_, so no customer can name
    another's database or one the server already has (the panel's own, for instance)."""
    return f"u{customer.id}_"


def owner_of(database: Database) -> str:
    return f"database:{database.id}"


def seal_password(box: SecretBox, database: Database, password: str) -> None:
    database.password_secret = box.seal(password, owner=owner_of(database), field=PASSWORD_FIELD)


def open_password(box: SecretBox, database: Database) -> str | None:
    if not database.password_secret:
        return None
    return box.open(database.password_secret, owner=owner_of(database), field=PASSWORD_FIELD)


def _known_engine(engine: str) -> str:
    if engine not in account_names.ENGINES:
        raise RuleViolation.one(N_("Choose MariaDB or PostgreSQL."), "engine")
    return engine


def create_database(session, actor, box: SecretBox, customer: Customer, engine: str, name: str,
                    user: str = "") -> tuple[Database, str, list[Work]]:
    """The database row (pending) and the issued password, to be shown once."""
    need_server(customer, "name")
    base = prefix(customer)
    name = (name or "").strip().lower()
    user = (user or "").strip().lower() or name
    known = engine if engine in account_names.ENGINES else "mariadb"  # names still checked when it is not
    _engine, db_name, db_user = checked_all(lambda: _known_engine(engine),
                                            lambda: account_names.database_name(base + name, known),
                                            lambda: account_names.database_user(base + user, known))
    if taken_anywhere(session, Database, Database.engine == engine, Database.name == db_name):
        raise RuleViolation.one(N_("You already have a database named %(name)s."), "name", name=db_name)
    if taken_anywhere(session, Database, Database.engine == engine, Database.db_user == db_user):
        raise RuleViolation.one(N_("You already have a database user named %(name)s."), "user", name=db_user)
    check_limit(session, customer, "databases")
    password = generate_password()
    database = Database(customer_id=customer.id, reseller_id=customer.reseller_id, engine=engine, name=db_name,
                        db_user=db_user)
    session.add(database)
    session.flush()
    seal_password(box, database, password)
    audit.record(session, actor, "database.create", database, f"added {engine} database {db_name}",
                 customer_id=customer.id)
    return database, password, [Work.database(database)]


def new_password(session, actor, box: SecretBox, customer: Customer, database: Database) -> tuple[str, list[Work]]:
    """Issue a new password for the database user (shown once)."""
    if database.deleting:
        raise RuleViolation.one(N_("This database is being deleted."), None)
    password = generate_password()
    seal_password(box, database, password)
    database.want_changed()
    audit.record(session, actor, "database.password", database, f"new password for {database.db_user}",
                 customer_id=customer.id)
    return password, [Work.database(database)]


def delete_database(session, actor, customer: Customer, database: Database) -> list[Work]:
    database.want_gone()
    database.password_secret = None
    audit.record(session, actor, "database.delete", database, f"removed database {database.name}",
                 customer_id=customer.id)
    return [Work.database(database)]
