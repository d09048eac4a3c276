"""A web process imports its views and its cache client before it serves a request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
NOWHERE = "127.0.0.1:9"  # the discard port: nothing listens, so a connection attempt fails

# Serve one API request through the WSGI application; print its status and the modules
# of the project and its web stack that the request had to import.
FIRST_REQUEST = """
import io, json, sys
from config.wsgi import application
before = set(sys.modules)
started = []
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/products/", "SERVER_NAME": "localhost",
           "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.input": io.BytesIO(),
           "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr}
b"".join(application(environ, lambda status, headers, exc_info=None: started.append(status)))
stack = {"catalog", "config", "rest_framework", "drf_spectacular", "django_filters", "django_redis",
         "redis", "elasticsearch", "elastic_transport", "elasticsearch_dsl", "django_elasticsearch_dsl"}
print(json.dumps({"status": started[0],
                  "imported": sorted(m for m in set(sys.modules) - before if m.split(".")[0] in stack)}))
"""


def test_the_first_request_of_a_web_process_imports_nothing_of_the_project_or_its_web_stack():
    # given: production settings with every service unreachable, so loading must not connect
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(SECRET_KEY="k" * 20 + "0123456789abcdefghij", ALLOWED_HOSTS="localhost",
               DATABASE_URL=f"postgres://catalog@{NOWHERE}/catalog",
               READ_DATABASE_URL=f"postgres://catalog@{NOWHERE}/catalog_read",
               REDIS_URL=f"redis://{NOWHERE}/0", ELASTICSEARCH_URL="")
    # when
    run = subprocess.run([sys.executable, "-c", FIRST_REQUEST], cwd=PROJECT_DIR, env=env,
                         capture_output=True, text=True, timeout=120)
    # then: the request was answered (refused: no API key) with everything loaded beforehand
    assert run.returncode == 0, run.stderr
    served = json.loads(run.stdout.strip().splitlines()[-1])
    assert served["status"].startswith(("401", "403")), served
    assert served["imported"] == []
