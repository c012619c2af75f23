#!/bin/sh
# Entrypoint of the portal's image: migrate first when asked (the web service does),
# then run the container's command (gunicorn, a Celery worker or Celery beat).
set -eu

if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
    python manage.py migrate --noinput
fi

exec "$@"
