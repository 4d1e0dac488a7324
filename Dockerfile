# The production-like image for web, worker and beat (docker-compose.yml).
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 app
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY --chown=app:app . .
ENV DJANGO_STATIC_MANIFEST=true APP_DATA_DIR=/app/.data
RUN DATABASE_URL=postgres://build@localhost/none DJANGO_SECRET_KEY=build-only \
    python manage.py collectstatic --no-input \
    && chown -R app:app /app/.data
USER app
EXPOSE 8000
CMD ["gunicorn", "attendance_platform.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
