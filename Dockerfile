# Production image: gunicorn serving the Django app; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=adplatform.settings.production

WORKDIR /app
RUN useradd --create-home --uid 1000 app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8000
# The production server settings live in gunicorn.conf.py (workers from the CPUs, threads,
# timeouts, access log with request time); override them with WEB_CONCURRENCY, GUNICORN_*.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "adplatform.wsgi"]
