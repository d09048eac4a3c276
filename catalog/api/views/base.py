"""What every read view shares: scope, throttle, cached bodies, ETags and cache headers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.params import check_query
from catalog.api.permissions import HasReadScope
from catalog.api.renderers import dump_json
from catalog.read import cache

READ_CACHE_CONTROL = "private, no-cache"
VARY = "Accept, X-API-Key, Cookie"


def body_etag(body: bytes) -> str:
    """Return a strong ETag from the content of a body."""
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def version_etag(version: int, body: bytes) -> str:
    """Return the ETag of a product: its version, and a digest for changes that keep the version.

    A brand or category rename changes what a product shows without a new
    product version, so the version alone would answer 304 with stale data.
    """
    return f'"v{version}.{hashlib.blake2b(body, digest_size=6).hexdigest()}"'


def not_modified(request: Request, etag: str) -> bool:
    """Tell whether If-None-Match already names ``etag`` (weak comparison, as RFC 9110 says)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}


class ReadView(APIView):
    """A read endpoint: read scope, read throttle, only known query parameters, cached bodies."""

    permission_classes = [HasReadScope]
    throttle_scope = "read"

    def check_params(self, request: Request) -> None:
        """Reject query parameters this endpoint does not take."""
        check_query(request.query_params)

    def cached(self, request: Request, *, key: str, generation_keys: list[str], ttl: int,
               compute: Callable[[], Any], etag: Callable[[Any, bytes], str] | None = None
               ) -> Response:
        """Answer from the cache, or compute, render and store the body; ``None`` data is a 404.

        The generations are read before ``compute()`` runs (see catalog.read.cache),
        and not-found answers are cached too: the projection of the object bumps them.
        """
        found = cache.lookup(key, generation_keys)
        entry = found.entry
        if entry is None:
            data = compute()
            body = b"" if data is None else dump_json(data)
            tag = "" if data is None else (etag or (lambda _, raw: body_etag(raw)))(data, body)
            cache.store(key, found, etag=tag, body=body, ttl=ttl)
            entry = cache.Entry(stamp=found.stamp or (), etag=tag, body=body)
        if not entry.etag:
            raise NotFound()
        headers = {"ETag": entry.etag, "Cache-Control": READ_CACHE_CONTROL, "Vary": VARY}
        if not_modified(request, entry.etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(orjson.Fragment(entry.body), headers=headers)
