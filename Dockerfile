# Plan Delivery Tracker: the web application under gunicorn, static files by whitenoise.

# GOV.UK Frontend and htmx come from npm and are compiled into static/build/.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static ./static
RUN mkdir -p static/build/govuk \
    && npx sass --no-source-map --quiet-deps --load-path=node_modules \
       --style=compressed static/scss/app.scss static/build/app.css \
    && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/build/govuk/ \
    && cp -r node_modules/govuk-frontend/dist/govuk/assets static/build/govuk/ \
    && cp node_modules/htmx.org/dist/htmx.min.js static/build/

FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Pango and a font for WeasyPrint, which draws published reports as PDF;
# pg_dump and pg_restore for `manage.py backup` and `restore` (docs/backups.md).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 tracker

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
COPY --from=assets /build/static/build ./static/build
# collectstatic needs settings but no real secret or database.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v0 \
    && mkdir -p var/media && chown -R tracker:tracker var

USER tracker
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
