"""Mail aliases and catch-alls (issue 16 item 6; OEM spec エンドユーザー機能 "メール転送"): an address in one
of the customer's domains that delivers to one or more other addresses, and per domain at most one
catch-all that receives mail for every address of the domain that is no mailbox, list or alias.

Rules: the alias's address is in one of the customer's own domains and not already a mailbox, a
list or another alias; a target inside the customer's domains must exist (else the message would
bounce, or come back through the catch-all); an alias may never lead back to itself, directly or
through other aliases, lists, forwards or a catch-all (postfix would defer the mail for ever with
"virtual_alias_recursion_limit exceeded"). Each alias and each catch-all is one of the course's
mail aliases (max_mail_aliases)."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.hosting import account_names
from tenants.hosting.wanted import Work, check_limit, checked_all, live_domain, need_server
from tenants.models import Customer, Domain, MailAccount, MailAlias, MailingList

MAX_TARGETS = 50


def parse_targets(text: str, field: str = "targets") -> list[str]:
    lines = [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]
    if not lines:
        raise RuleViolation.one(N_("Enter at least one address."), field)
    if len(lines) > MAX_TARGETS:
        raise RuleViolation.one(N_("Enter at most %(n)s addresses."), field, n=MAX_TARGETS)
    out: list[str] = []
    for line in lines:
        address = account_names.email_address(line, field)
        address = address.lower()
        if address not in out:
            out.append(address)
    return out


class Graph:
    """Where mail to each of the customer's addresses goes, as postfix would expand it."""

    def __init__(self, session, customer: Customer):
        self.domains = {d.name: d.id for d in session.execute(select(Domain).where(
            Domain.customer_id == customer.id, Domain.deleting.is_(False))).scalars()}
        self.edges: dict[str, list[str]] = {}
        self.existing: set[str] = set()
        for box in self._live(session, MailAccount, customer):
            address = box.address.lower()
            self.existing.add(address)
            forwards = [f.lower() for f in box.forward_list if f.lower() != address]
            if forwards:
                self.edges[address] = forwards
        for ml in self._live(session, MailingList, customer):
            self.existing.add(ml.address.lower())
            self.edges[ml.address.lower()] = [m.address.lower() for m in ml.members]
        for alias in self._live(session, MailAlias, customer):
            self.set(alias.address.lower(), alias.target_list)

    @staticmethod
    def _live(session, model, customer):
        return session.execute(select(model).where(model.customer_id == customer.id,
                                                   model.deleting.is_(False))).scalars()

    def set(self, address: str, targets: list[str]) -> None:
        if not address.startswith("@"):
            self.existing.add(address)
        self.edges[address] = [t.lower() for t in targets]

    def mine(self, address: str) -> bool:
        return address.split("@", 1)[1] in self.domains

    def next_of(self, address: str) -> list[str]:
        if address in self.edges:
            return self.edges[address]
        if address in self.existing or not self.mine(address):
            return []  # a mailbox without forwards, or an address elsewhere: delivered there
        return self.edges.get("@" + address.split("@", 1)[1], [])  # the domain's catch-all, if any

    def loops_back(self, start: str) -> bool:
        """Does mail to ``start`` ever come back to it?"""
        seen: set[str] = set()
        todo = [t for t in self.next_of(start) if t != start or start.startswith("@")]
        while todo:
            address = todo.pop()
            node = address if address in self.edges or address in self.existing or not self.mine(address) \
                else "@" + address.split("@", 1)[1]
            if node == start:
                return True
            if node in seen:
                continue
            seen.add(node)
            todo.extend(self.next_of(address))
        return False


def aliases_delivering_to(session, customer: Customer, address: str) -> list[str]:
    """The customer's aliases (and catch-alls) that deliver to ``address``: removing it would make
    their mail bounce, so it stays while one still names it (the rule of this module's docstring)."""
    wanted = address.lower()
    return sorted(alias.address for alias in Graph._live(session, MailAlias, customer)
                  if wanted in (t.lower() for t in alias.target_list))


def refuse_if_aliased(session, customer: Customer, address: str, field: str = "address") -> None:
    names = aliases_delivering_to(session, customer, address)
    if names:
        raise RuleViolation.one(N_("Mail to %(aliases)s is delivered here: remove %(address)s from those aliases "
                                   "first."), field, aliases=", ".join(names), address=address)


def _address_in_use(session, domain_id: int, local: str, field: str, exclude: MailAlias | None = None) -> None:
    for model in (MailAccount, MailingList, MailAlias):
        found = session.execute(select(model.id).where(model.domain_id == domain_id, model.local_part == local)).first()
        if found and not (model is MailAlias and exclude is not None and found[0] == exclude.id):
            raise RuleViolation.one(N_("This address is already in use."), field)


def _own_domain(session, customer: Customer, address: str, field: str = "address") -> tuple[Domain, str]:
    address = account_names.hosted_address(address, field)
    local, name = address.split("@")
    domain = session.execute(select(Domain).where(Domain.name == name, Domain.customer_id == customer.id,
                                                  Domain.deleting.is_(False))).scalar()
    if domain is None:
        raise RuleViolation.one(N_("Use an address in one of your domains."), field)
    return domain, local


def check_targets(graph: Graph, address: str, targets: list[str], field: str = "targets") -> None:
    """Targets in the customer's domains exist; the address never loops back to itself."""
    for target in targets:
        if graph.mine(target) and target not in graph.existing and target != address:
            raise RuleViolation.one(N_("%(address)s does not exist in your domains. Add it first."), field,
                                    address=target)
    graph.set(address, targets)
    if address in targets or graph.loops_back(address):
        raise RuleViolation.one(N_("This would send mail in a loop back to %(address)s."), field, address=address)


def create_alias(session, actor, customer: Customer, address: str, targets: str) -> tuple[MailAlias, list[Work]]:
    need_server(customer, "address")
    (domain, local), wanted = checked_all(lambda: _own_domain(session, customer, address),
                                          lambda: parse_targets(targets))
    _address_in_use(session, domain.id, local, "address")
    full = f"{local}@{domain.name}"
    check_targets(Graph(session, customer), full, wanted)
    check_limit(session, customer, "mail_aliases", "address")
    alias = MailAlias(customer_id=customer.id, reseller_id=customer.reseller_id, domain_id=domain.id,
                      local_part=local, targets="\n".join(wanted))
    session.add(alias)
    session.flush()
    audit.record(session, actor, "alias.create", alias, f"added alias {full}", customer_id=customer.id)
    return alias, [Work.service(customer, "mail")]


def set_catch_all(session, actor, customer: Customer, domain_id, targets: str) -> tuple[MailAlias, list[Work]]:
    """Add the domain's catch-all, or change its targets if it has one."""
    need_server(customer, "domain_id")
    domain, wanted = checked_all(lambda: live_domain(session, customer, domain_id),
                                 lambda: parse_targets(targets))
    alias = session.execute(select(MailAlias).where(MailAlias.domain_id == domain.id,
                                                    MailAlias.local_part == "")).scalar()
    check_targets(Graph(session, customer), f"@{domain.name}", wanted)
    if alias is None:
        check_limit(session, customer, "mail_aliases", "domain_id")
        alias = MailAlias(customer_id=customer.id, reseller_id=customer.reseller_id, domain_id=domain.id,
                          local_part="", targets="\n".join(wanted))
        session.add(alias)
        session.flush()
    else:
        alias.targets = "\n".join(wanted)
        alias.deleting = False
        alias.want_changed()
    audit.record(session, actor, "alias.catch_all", alias, f"catch-all of {domain.name}: {len(wanted)} target(s)",
                 customer_id=customer.id)
    return alias, [Work.service(customer, "mail")]


def update_alias(session, actor, customer: Customer, alias: MailAlias, targets: str) -> list[Work]:
    wanted = parse_targets(targets)
    check_targets(Graph(session, customer), alias.address.lower(), wanted)
    alias.targets = "\n".join(wanted)
    alias.want_changed()
    audit.record(session, actor, "alias.update", alias, f"changed alias {alias.address}", customer_id=customer.id)
    return [Work.service(customer, "mail")]


def delete_alias(session, actor, customer: Customer, alias: MailAlias) -> list[Work]:
    alias.want_gone()
    audit.record(session, actor, "alias.delete", alias, f"removed alias {alias.address}", customer_id=customer.id)
    return [Work.service(customer, "mail")]
