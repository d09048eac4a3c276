"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_asgi_application()

from config.warmup import warm_up  # noqa: E402 -- needs the apps that get_asgi_application set up

warm_up()
