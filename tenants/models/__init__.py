"""The data model. Importing this package registers every table on ``Base.metadata``."""
from tenants.models.reseller import Reseller, ResellerContact
from tenants.models.principal import LoginAttempt, LoginSession, Principal, Role
from tenants.models.reserved_name import ReservedName
from tenants.models.server import Server, ServerAssignment
from tenants.models.course import Course
from tenants.models.customer import Customer, CustomerStatus
from tenants.models.audit import AuditLog
from tenants.models.hosting import (
    Database, DnsRecord, Domain, FtpAccount, MailAccount, MailingList, MailingListMember, ProtectedDirectory,
    ProtectedUser, ProvisionState,
)
from tenants.models.monitoring import (MaintenanceWindow, MonitoredEndpoint, ResourceStatus,
                                       ResourceThreshold, ServiceState, StateEvent)
from tenants.models.monitoring_results import CheckResult, CheckRollup
from tenants.models.incidents import (FaultReport, Incident, IncidentEntry, Notification,
                                      RemediationAction, RemediationCommand)
from tenants.models.mail_abuse import MailLogCursor, MassMailLock

from tenants.models.contracts import (Contract, ContractOption, ContractStatus, ManagedCustomer,
                                      PartyChange, Succession, Suspension)
from tenants.models.contract_billing import ContractMail, Invoice, InvoiceLine, Payment
from tenants.models.contract_service import Complaint, WorkRequest, WorkRequestEvent
from tenants.models.usage import CustomerUsageSample, ServerSample, TrafficLogCursor
from tenants.models.api_token import ApiToken
from tenants.models.overuse import OveruseState

__all__ = [
    "Reseller", "ResellerContact", "Principal", "Role", "LoginAttempt", "LoginSession", "ReservedName", "Server",
    "ServerAssignment", "Course", "Customer", "CustomerStatus", "AuditLog",
    "CustomerUsageSample", "ServerSample", "TrafficLogCursor", "ApiToken", "OveruseState", "Database", "DnsRecord", "Domain",
    "FtpAccount", "MailAccount", "MailingList", "MailingListMember", "ProtectedDirectory", "ProtectedUser",
    "ProvisionState",
    "MonitoredEndpoint", "ServiceState", "StateEvent", "MaintenanceWindow", "ResourceThreshold",
    "ResourceStatus", "CheckResult", "CheckRollup", "Incident", "IncidentEntry", "Notification",
    "RemediationCommand", "RemediationAction", "FaultReport", "MassMailLock", "MailLogCursor",
    "Contract", "ContractOption", "ContractStatus", "ManagedCustomer", "PartyChange", "Succession",
    "Suspension", "ContractMail", "Invoice", "InvoiceLine", "Payment", "Complaint", "WorkRequest",
    "WorkRequestEvent",
]

# Whoever writes these models also ends the sessions of a login, customer or reseller it stops.
import tenants.sessions  # noqa: E402,F401
