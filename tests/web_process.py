"""A fresh web process with production settings and every service unreachable, asked through WSGI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
NOWHERE = "127.0.0.1:9"  # the discard port: nothing listens, so a connection attempt fails

# What a script run by ``run_web_process`` starts with: the WSGI application, loaded as
# gunicorn loads it, and ``get(path)`` returning the response's status line and body.
PRELUDE = """
import io, json, sys
from config.wsgi import application

def get(path):
    started = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.input": io.BytesIO(),
               "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr}
    body = b"".join(application(environ, lambda status, headers, exc_info=None: started.append(status)))
    return started[0], body
"""


def run_web_process(script: str) -> Any:
    """Run PRELUDE + ``script`` in a new process; return the JSON it printed last."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(SECRET_KEY="k" * 20 + "0123456789abcdefghij", ALLOWED_HOSTS="localhost",
               DATABASE_URL=f"postgres://catalog@{NOWHERE}/catalog",
               READ_DATABASE_URL=f"postgres://catalog@{NOWHERE}/catalog_read",
               REDIS_URL=f"redis://{NOWHERE}/0", CELERY_BROKER_URL=f"redis://{NOWHERE}/1",
               ELASTICSEARCH_URL=f"http://{NOWHERE}")
    run = subprocess.run([sys.executable, "-c", PRELUDE + script], cwd=PROJECT_DIR, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])
