"""Settings shared by every environment, read from the environment (12-factor).

Every external service is given by a URL: DATABASE_URL, READ_DATABASE_URL,
REDIS_URL, CELERY_BROKER_URL, ELASTICSEARCH_URL. The dev stack and the test
session start embedded services and export these variables for their children.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "catalog",
    "catalog.read.apps.ReadConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's static files behind gunicorn, without a separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database(url_variable: str) -> dict:
    """Build a DATABASES entry from an environment variable holding a URL."""
    url = os.environ.get(url_variable)
    if not url:
        return {}
    return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)


# "default" holds the write model and the event store; "read" holds the denormalized
# read side (a second database, a replica or another server). See catalog.routers.
DATABASES = {"default": database("DATABASE_URL"), "read": database("READ_DATABASE_URL")}
DATABASE_ROUTERS = ["catalog.routers.ReadWriteRouter"]

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        "KEY_PREFIX": "catalog",
    }
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "live"
CELERY_TASK_ROUTES = {
    "catalog.tasks.rebuild_tenant_task": {"queue": "bulk"},
    "catalog.tasks.project_bulk_task": {"queue": "bulk"},
    "catalog.tasks.run_import_job_task": {"queue": "bulk"},
    "catalog.tasks.purge_import_files_task": {"queue": "bulk"},
}
CELERY_TASK_IGNORE_RESULT = True
# Unacknowledged tasks come back after this long: tasks stay far shorter, and no
# countdown or ETA comes near it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 300, "socket_connect_timeout": 2, "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "catalog.tasks.relay_outbox_task", "schedule": 5.0,
                     "options": {"expires": 10}},
    "relay-search": {"task": "catalog.tasks.relay_search_task", "schedule": 5.0,
                     "options": {"expires": 10}},
    "purge-import-files": {"task": "catalog.tasks.purge_import_files_task", "schedule": 3600.0,
                           "options": {"expires": 600}},
}

# /health/ reports "degraded" when the oldest event waiting for projection is older than this.
HEALTH_PROJECTION_LAG_SECONDS = float(os.environ.get("HEALTH_PROJECTION_LAG_SECONDS", "60"))

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_DSL = {"default": {"hosts": ELASTICSEARCH_URL or "http://127.0.0.1:9200"}}
# Our projection indexes documents after commit, with routing and versions; the
# library's signal processors would publish before commit and without either.
ELASTICSEARCH_DSL_AUTOSYNC = False
ELASTICSEARCH_DSL_AUTO_REFRESH = False

# Search (catalog.search): "auto" uses Elasticsearch when ELASTICSEARCH_URL is set, else PostgreSQL.
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "auto")
# Elasticsearch unreachable at query time: "postgres" answers from the read table (marked
# degraded in the X-Search-Backend header), "none" answers 503.
SEARCH_FALLBACK = os.environ.get("SEARCH_FALLBACK", "postgres")
SEARCH_INDEX_ALIAS = os.environ.get("SEARCH_INDEX_ALIAS", "catalog-products")
SEARCH_INDEX_SHARDS = int(os.environ.get("SEARCH_INDEX_SHARDS", "3"))
SEARCH_INDEX_REPLICAS = int(os.environ.get("SEARCH_INDEX_REPLICAS", "0"))
# How many shards one tenant's documents spread over (routing_partition_size): a large
# tenant's query runs on that many shards at once. 1 puts a tenant on one shard.
SEARCH_INDEX_ROUTING_PARTITION = int(os.environ.get("SEARCH_INDEX_ROUTING_PARTITION", "2"))
SEARCH_TIMEOUT_SECONDS = float(os.environ.get("SEARCH_TIMEOUT_SECONDS", "5"))
SEARCH_TRIGRAM_THRESHOLD = float(os.environ.get("SEARCH_TRIGRAM_THRESHOLD", "0.4"))
# Price facet buckets: [from, to) in the tenant's currency, open ends as None.
SEARCH_PRICE_RANGES = [(None, 50), (50, 100), (100, None)]

# The REST API (catalog.api): API-key auth, orjson, keyset pagination done by the views.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "catalog.api.auth.ApiKeyAuthentication",
        "catalog.api.auth.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["catalog.api.permissions.HasReadScope"],
    "DEFAULT_THROTTLE_CLASSES": ["catalog.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "read": os.environ.get("API_READ_RATE", "6000/min"),
        "write": os.environ.get("API_WRITE_RATE", "600/min"),
    },
    "DEFAULT_RENDERER_CLASSES": [
        "catalog.api.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["catalog.api.parsers.OrjsonParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "catalog.api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Catalog API",
    "DESCRIPTION": (
        "Read the catalog of your tenant (served from the read side, eventually consistent) and "
        "change products through commands. Authenticate with the `X-API-Key` header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploaded import files and their error reports (catalog.commands.import_jobs).
IMPORT_DIR = Path(os.environ.get("IMPORT_DIR", BASE_DIR / "var" / "imports"))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 2 * 1024**3))
# Days an ended job's upload and error report stay on disk; then the hourly purge deletes them.
IMPORT_FILES_KEEP_DAYS = float(os.environ.get("IMPORT_FILES_KEEP_DAYS", "7"))
# Connections that merge an import's batches side by side (one more reads the file).
IMPORT_WORKERS = int(os.environ.get("IMPORT_WORKERS", "2"))
# An import that inserts at least this many products refreshes the planner's statistics.
IMPORT_ANALYZE_AFTER = int(os.environ.get("IMPORT_ANALYZE_AFTER", "10000"))
# A rebuild that creates at least this many read rows, and at least as many as the read
# table holds, drops the read indexes while it loads (catalog.projections.rebuild).
REBUILD_COLD_LOAD_MIN = int(os.environ.get("REBUILD_COLD_LOAD_MIN", "100000"))
# Chunks of an import's bulk events projected side by side by one bulk task.
BULK_PROJECTION_WORKERS = int(os.environ.get("BULK_PROJECTION_WORKERS", "2"))
# Batches of the search queue a sync task sends side by side (one read, one indexed).
SEARCH_SYNC_WORKERS = int(os.environ.get("SEARCH_SYNC_WORKERS", "2"))

# Locales a product may be translated into (seed plan: German and English first).
CATALOG_LOCALES = env_list("CATALOG_LOCALES", "en,de,fr")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per Elasticsearch request at INFO: only failures are worth a line.
    "loggers": {"elastic_transport": {"level": "WARNING"}, "elasticsearch": {"level": "WARNING"}},
}
