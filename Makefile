# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo lint format schema serve-prod worker bench bench-track bench-index bench-bid clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo_data

## Serve the whole platform on http://127.0.0.1:8000 (SQLite, shared DB cache, eager tasks).
run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

## The whole test suite (PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set).
test: install
	$(PY) manage.py check --deploy --fail-level ERROR >/dev/null
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: install
	$(PY) manage.py spectacular --validate --fail-on-warn --format openapi-json --file openapi.json

## The production web server: gunicorn with gunicorn.conf.py and the production settings
## (set DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL; README "Production shape").
serve-prod: export DJANGO_SETTINGS_MODULE ?= adplatform.settings.production
serve-prod: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput >/dev/null
	$(VENV)/bin/gunicorn -c gunicorn.conf.py adplatform.wsgi

## Celery worker with beat, for the production shape (needs REDIS_URL).
worker: install
	$(VENV)/bin/celery -A adplatform worker -B -l info

## Serve benchmark: gunicorn -c gunicorn.conf.py + wrk on loopback (bench/README.md; DATABASE_URL/REDIS_URL honoured).
bench: install
	bash bench/serve_bench.sh

## Tracking benchmark: the production shape (gunicorn -c gunicorn.conf.py, celery worker -B),
## distinct impression pixels with wrk, totals checked exactly (needs DATABASE_URL and REDIS_URL).
bench-track: install
	$(PY) bench/track_bench.py
	$(PY) bench/track_bench.py --kill-worker

## Serving index scale: build, cold start, memory and delta times at 10,000 and 100,000 ads.
bench-index: install
	$(PY) bench/index_bench.py

## OpenRTB benchmark: bids at sustained load beside serve, and fan-out to fake partners within tmax.
## Use DATABASE_URL/REDIS_URL (e.g. .../bench_rtb and redis db 10); BENCH_PORT (8070) and the next 3.
bench-bid: install
	$(PY) bench/bid_bench.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
