"""The data model. Importing this package registers every table on ``Base.metadata``."""
from tenants.models.reseller import Reseller, ResellerContact
from tenants.models.principal import Principal, Role, LoginAttempt
from tenants.models.server import Server, ServerAssignment
from tenants.models.course import Course
from tenants.models.customer import Customer, CustomerStatus
from tenants.models.audit import AuditLog
from tenants.models.contracts import (Contract, ContractOption, ContractStatus, ManagedCustomer,
                                      PartyChange, Succession, Suspension)
from tenants.models.contract_billing import ContractMail, Invoice, InvoiceLine, Payment
from tenants.models.contract_service import Complaint, WorkRequest, WorkRequestEvent

__all__ = [
    "Reseller", "ResellerContact", "Principal", "Role", "LoginAttempt", "Server",
    "ServerAssignment", "Course", "Customer", "CustomerStatus", "AuditLog",
    "Contract", "ContractOption", "ContractStatus", "ManagedCustomer", "PartyChange", "Succession",
    "Suspension", "ContractMail", "Invoice", "InvoiceLine", "Payment", "Complaint", "WorkRequest",
    "WorkRequestEvent",
]
