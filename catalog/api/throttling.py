"""Rate limits per API key (or staff user): a fixed window counted in Redis, one round trip."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache
from django_redis import get_redis_connection
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from catalog.api.keys import ApiPrincipal

logger = logging.getLogger(__name__)
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (requests, seconds) of a rate like ``600/min``."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


class ApiKeyRateThrottle(BaseThrottle):
    """Allow ``DEFAULT_THROTTLE_RATES[view.throttle_scope]`` requests per principal and window.

    DRF's SimpleRateThrottle keeps a list of timestamps per client and rewrites
    it on every request; a counter per window is one INCR. A cache outage lets
    requests through rather than failing them.
    """

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        principal = request.auth
        if not isinstance(principal, ApiPrincipal):
            return True
        scope = getattr(view, "throttle_scope", "read")
        limit, period = parse_rate(api_settings.DEFAULT_THROTTLE_RATES[scope])
        now = time.time()
        key = cache.make_key(f"throttle:{scope}:{principal.ident}:{int(now // period)}")
        try:
            pipe = get_redis_connection("default").pipeline()
            pipe.incr(key)
            pipe.expire(key, period + 1)
            count = pipe.execute()[0]
        except Exception:
            logger.warning("rate limit store unavailable; request allowed", exc_info=True)
            return True
        if count <= limit:
            return True
        self.retry_after = max(period - (now % period), 1.0)
        return False

    def wait(self) -> float | None:
        return self.retry_after
