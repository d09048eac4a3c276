"""A web process imports its views and its cache client before it serves a request."""

from __future__ import annotations

from tests.web_process import run_web_process

# The modules of the project and its web stack that the first request had to import.
FIRST_REQUEST = """
before = set(sys.modules)
status, _ = get("/api/v1/products/")
stack = {"catalog", "config", "rest_framework", "drf_spectacular", "django_filters", "django_redis",
         "redis", "elasticsearch", "elastic_transport", "elasticsearch_dsl", "django_elasticsearch_dsl"}
print(json.dumps({"status": status,
                  "imported": sorted(m for m in set(sys.modules) - before if m.split(".")[0] in stack)}))
"""


def test_the_first_request_of_a_web_process_imports_nothing_of_the_project_or_its_web_stack():
    # given: production settings with every service unreachable, so loading must not connect
    # when
    served = run_web_process(FIRST_REQUEST)
    # then: the request was answered (refused: no API key) with everything loaded beforehand
    assert served["status"].startswith(("401", "403")), served
    assert served["imported"] == []
