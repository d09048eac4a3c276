"""Per-tenant API keys: only a hash of the secret is stored."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from catalog.models.base import TenantQuerySet


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


class ApiKey(models.Model):
    """A credential of one tenant for the REST API, with scopes; revocable.

    The token (``ck_<prefix>_<secret>``) is shown once when the key is created;
    ``key_hash`` is the SHA-256 of the whole token, which is enough for a
    high-entropy secret (no slow hash needed), and ``prefix`` lets people tell
    keys apart. ``last_used_at`` is refreshed at most about once a minute.
    """

    tenant = models.ForeignKey("catalog.Tenant", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=10, choices=ApiKeyScope.choices),
                        default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="apikey_tenant_recent")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        """Tell whether the key has been revoked."""
        return self.revoked_at is not None
