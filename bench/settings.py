"""Settings of the API benchmark: the dev stack's, with the baseline mounted and DEBUG off."""

from config.settings.local import *  # noqa: F403
from config.settings.local import REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
# The throttle still runs (one Redis INCR per request) but never refuses the load generator.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "read": "100000000/min"}}
