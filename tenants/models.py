"""The data model's registry: each feature defines its tables in its own ``models`` module; importing
this module registers every table on ``Base.metadata`` (Alembic, relationships by name) and is the
one place the rest of the code imports models from."""
from tenants.accounts.models import LoginAttempt, LoginSession, Principal, RecoveryCode, Role, SecurityPolicy
from tenants.audit import AuditLog
from tenants.backups.models import BackupEntry, BackupPlan, BackupRestore, BackupRun, BackupServerRestore
from tenants.contracts.billing_models import Invoice, InvoiceLine, Payment
from tenants.contracts.ledger_models import BankLine, BillingSettings, OemFee, Receipt
from tenants.contracts.models import (
                                    Contract,
                                    ContractOption,
                                    ContractStatus,
                                    ManagedCustomer,
                                    PartyChange,
                                    Succession,
                                    Suspension,
)
from tenants.contracts.service_models import Complaint, WorkRequest, WorkRequestEvent
from tenants.customers.models import Course, Customer, CustomerStatus, OveruseState
from tenants.hosting.certificate_models import AcmeAccount, Certificate
from tenants.hosting.cron_models import CronJob
from tenants.hosting.dkim_models import DkimKey
from tenants.hosting.models import (
                                    Database,
                                    DnsRecord,
                                    Domain,
                                    FtpAccount,
                                    MailAccount,
                                    MailAlias,
                                    MailingList,
                                    MailingListMember,
                                    ProtectedDirectory,
                                    ProtectedUser,
                                    ProvisionState,
                                    ReservedName,
)
from tenants.hosting.move_models import CustomerMove
from tenants.hosting.sftp_models import SftpAccount
from tenants.hosting.system_user_models import SystemAccount
from tenants.incidents.models import FaultReport, Incident, IncidentAffected, IncidentEntry, RemediationAction, RemediationCommand
from tenants.mail_abuse.models import MailLogCursor, MassMailLock
from tenants.monitoring.log_models import LogFinding, LogPattern, LogSuppression, LogWatchCursor
from tenants.monitoring.models import (
                                    CheckResult,
                                    CheckRollup,
                                    CustomerUsageSample,
                                    MaintenanceWindow,
                                    MonitoredEndpoint,
                                    ResourceStatus,
                                    ResourceThreshold,
                                    ServerSample,
                                    ServiceState,
                                    StateEvent,
                                    TrafficLogCursor,
)
from tenants.outbox.models import OutboxMail
from tenants.resellers.models import ApiToken, Reseller, ResellerContact
from tenants.servers.models import Server, ServerAssignment
from tenants.servers.power_models import ServerPower

__all__ = [
    "AuditLog", "LoginAttempt", "LoginSession", "Principal", "Role", "ApiToken", "Reseller", "ResellerContact",
    "Server", "ServerAssignment", "Course", "Customer", "CustomerStatus", "OveruseState", "Database", "DnsRecord",
    "Domain", "SystemAccount", "FtpAccount", "MailAccount", "MailAlias", "MailingList", "MailingListMember", "ProtectedDirectory",
    "ProtectedUser", "ProvisionState", "ReservedName", "CheckResult", "CheckRollup", "CustomerUsageSample",
    "MaintenanceWindow", "MonitoredEndpoint", "ResourceStatus", "ResourceThreshold", "ServerSample",
    "ServiceState", "StateEvent", "TrafficLogCursor", "FaultReport", "Incident", "IncidentAffected", "IncidentEntry",
    "RemediationAction", "RemediationCommand", "MailLogCursor", "MassMailLock", "Contract", "ContractOption",
    "ContractStatus", "ManagedCustomer", "PartyChange", "Succession", "Suspension", "Invoice",
    "InvoiceLine", "Payment", "Complaint", "WorkRequest", "WorkRequestEvent", "OutboxMail",
    "ServerPower", "RecoveryCode", "SecurityPolicy", "BankLine", "BillingSettings", "OemFee", "Receipt",
    "CustomerMove", "LogFinding", "LogPattern", "LogSuppression", "LogWatchCursor", "AcmeAccount", "Certificate",
    "BackupPlan", "BackupRun", "BackupEntry", "BackupRestore", "BackupServerRestore", "CronJob", "DkimKey",
    "SftpAccount",
]

# Whoever writes these models also ends the sessions of a login, customer or reseller it stops.
import tenants.accounts.sessions  # noqa: E402,F401
