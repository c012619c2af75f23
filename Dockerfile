# The portal's production image: gunicorn for the web, the same image for Celery.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, pinned in pyproject.toml: code changes reuse this layer.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Translations (.mo) and static files (hashed, compressed) are built into the image.
# collectstatic needs production settings; this key exists only during the build.
RUN python manage.py compile_translations \
    && DEBUG=0 SECRET_KEY=build-time-only-key-never-used-to-serve-requests-0123456789 \
       python manage.py collectstatic --noinput

# Run as an unprivileged user; only the media folder is writable.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home fengqiao \
    && mkdir -p /app/media \
    && chown fengqiao:fengqiao /app/media
USER fengqiao

EXPOSE 8000
# gunicorn reads its number of workers from WEB_CONCURRENCY: sync workers, 2 × cores + 1
# (5 on 2 cores), behind a buffering proxy such as nginx (docs/operations.md).
ENV WEB_CONCURRENCY=5
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "sync", "--timeout", "60"]
