# One image for every Django process of the catalog: web (gunicorn), Celery
# worker and beat, and the one-shot migrate job. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Only what the application needs: no virtualenv, dev-stack caches or benchmarks.
COPY pyproject.toml README.md manage.py ./
COPY config ./config
COPY catalog ./catalog
COPY devstack ./devstack
COPY templates ./templates

RUN pip install . \
    && rm -rf build ./*.egg-info

# Production settings refuse to load without a strong SECRET_KEY; collectstatic
# needs none of the real secrets, so it gets a throwaway one for this step only.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
