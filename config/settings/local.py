"""Settings for the dev stack (``make run``): DEBUG on, embedded services."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405

# Serve static files from the apps (no collectstatic) without warnings.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
