"""The data model. Importing this package registers every table on ``Base.metadata``."""
from tenants.models.reseller import Reseller, ResellerContact
from tenants.models.principal import Principal, Role, LoginAttempt
from tenants.models.server import Server, ServerAssignment
from tenants.models.course import Course
from tenants.models.customer import Customer, CustomerStatus
from tenants.models.audit import AuditLog
from tenants.models.usage import CustomerUsageSample, ServerSample
from tenants.models.api_token import ApiToken
from tenants.models.overuse import OveruseState

__all__ = [
    "Reseller", "ResellerContact", "Principal", "Role", "LoginAttempt", "Server",
    "ServerAssignment", "Course", "Customer", "CustomerStatus", "AuditLog",
    "CustomerUsageSample", "ServerSample", "ApiToken", "OveruseState",
]
