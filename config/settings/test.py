"""Settings for the test session: embedded services started by devstack.pytest_plugin."""

import os
import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-insecure-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Serve static files from the apps (no collectstatic) without warnings.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Uploaded import files of the test session (the tests that check files use their own tmp_path).
IMPORT_DIR = Path(tempfile.gettempdir()) / f"catalog-test-imports-{os.getpid()}"
