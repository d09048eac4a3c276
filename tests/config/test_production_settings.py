"""Production settings refuse to boot with a default secret or DEBUG on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "0123456789abcdefghij"


def boot(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                          cwd=PROJECT_DIR, env=clean, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("key", ["", "short", "dev-only-insecure-key-do-not-use-in-production"])
def test_refuses_a_missing_short_or_default_secret_key(key):
    result = boot(SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_refuses_debug_on():
    result = boot(SECRET_KEY=GOOD_KEY, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_boots_with_a_real_secret_and_debug_off():
    result = boot(SECRET_KEY=GOOD_KEY, DEBUG="false")
    assert result.returncode == 0, result.stderr
