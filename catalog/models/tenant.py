"""Tenants and the staff who work in them."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from catalog import errors

currency_validator = RegexValidator(r"^[A-Z]{3}$", errors.CURRENCY_INVALID)


class Tenant(models.Model):
    """A merchant whose catalog is isolated from every other merchant's."""

    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=255)
    default_currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    default_locale = models.CharField(max_length=10, default="en")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    MERCHANDISER = "merchandiser", "Merchandiser"
    VIEWER = "viewer", "Viewer"


class StaffMembership(models.Model):
    """Link a Django user to the one tenant they work in, with a role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=StaffRole.choices, default=StaffRole.MERCHANDISER)

    class Meta:
        indexes = [models.Index(fields=["tenant"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"

    @property
    def can_edit(self) -> bool:
        """Tell whether the role may change catalog data."""
        return self.role == StaffRole.MERCHANDISER
