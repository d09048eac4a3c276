"""The event store, read-only: what changed, who changed it, and where projection stands."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from catalog.admin.filters import AggregateTypeFilter, EventTypeFilter
from catalog.admin.scoping import TenantScopedAdmin, admin_scope
from catalog.events import wake_projection_on_commit
from catalog.models import Event, EventStatus
from catalog.projections.outbox import retry_parked


class CappedCountPaginator(Paginator):
    """Count at most ``cap`` rows: the event table grows forever and COUNT(*) with it.

    Lists longer than the cap show the cap as their size; filters narrow them.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap].count()


@admin.register(Event)
class EventAdmin(TenantScopedAdmin):
    """Browse events and retry parked ones; nobody adds, edits or deletes them here."""

    list_display = ("id", "occurred_at", "event_type", "aggregate_link", "aggregate_version",
                    "status", "attempts", "actor")
    list_select_related = ("actor",)
    list_filter = ("status", AggregateTypeFilter, EventTypeFilter)
    search_fields = ("aggregate_id",)  # switches the search box on; see get_search_results()
    search_help_text = "The exact id of a product, category or brand."
    ordering = ("-id",)
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 100
    actions = ("retry_parked_events",)
    fields = ("occurred_at", "event_type", "aggregate_type", "aggregate_id", "aggregate_version",
              "actor_name", "status", "attempts", "last_error", "processed_at", "payload_json")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """Let merchandisers and superusers send parked events back (change permission stays off)."""
        scope = admin_scope(request)
        return scope is not None and scope.can_edit

    @admin.action(description="Retry the selected parked events", permissions=["retry"])
    def retry_parked_events(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Send the selected parked events (of the scoped queryset) back to the projection."""
        ids = list(queryset.filter(status=EventStatus.PARKED).values_list("id", flat=True))
        count = retry_parked(event_ids=ids)
        if count:
            wake_projection_on_commit()
        self.message_user(request, f"{count} parked event(s) sent back to the projection.")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet,
                           search_term: str) -> tuple[QuerySet, bool]:
        """Match the aggregate id exactly, as the event_history index can serve."""
        term = search_term.strip()
        return (queryset.filter(aggregate_id=term) if term else queryset), False

    @admin.display(description="Actor")
    def actor_name(self, event: Event) -> str:
        """Show who caused the event (plain text: staff may not open the user admin)."""
        return event.actor_name

    @admin.display(description="Aggregate")
    def aggregate_link(self, event: Event) -> SafeString | str:
        """Link to the changed row while it exists in the admin (deleted ones give a 404 there)."""
        label = f"{event.aggregate_type} {event.aggregate_id}"
        try:
            url = reverse(f"admin:catalog_{event.aggregate_type}_change", args=[event.aggregate_id])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="Payload")
    def payload_json(self, event: Event) -> SafeString:
        """Show the payload as indented JSON."""
        text = json.dumps(event.payload, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html("<pre>{}</pre>", text)
