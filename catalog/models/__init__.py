"""The write model (PostgreSQL "default" alias) and the event store."""

from catalog.models.api_key import ApiKey, ApiKeyScope
from catalog.models.event import Event, EventStatus
from catalog.models.import_job import ImportJob, ImportJobState
from catalog.models.product import Product, ProductCategory
from catalog.models.taxonomy import Brand, Category
from catalog.models.tenant import StaffMembership, StaffRole, Tenant

__all__ = [
    "ApiKey",
    "ApiKeyScope",
    "Brand",
    "Category",
    "Event",
    "EventStatus",
    "ImportJob",
    "ImportJobState",
    "Product",
    "ProductCategory",
    "StaffMembership",
    "StaffRole",
    "Tenant",
]
