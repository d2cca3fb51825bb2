# Streamflix: `make demo` runs the site, `make test` runs every check CI runs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: install demo serve test lint format bench clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Redis is used when REDIS_URL is set and answers; otherwise the filesystem broker under var/.
demo: install  ## migrate, load MovieLens if not loaded yet, serve on :8000 with a Celery worker and beat
	@set -e; \
	if [ -n "$$REDIS_URL" ] && ! $(PY) -c "import os, redis; redis.Redis.from_url(os.environ['REDIS_URL'], socket_connect_timeout=1).ping()" 2>/dev/null; then \
		echo "REDIS_URL=$$REDIS_URL does not answer: the demo uses the filesystem broker instead."; unset REDIS_URL; \
	fi; \
	$(PY) -m personalization.recommender.warm; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py seed_demo --if-empty; \
	$(PY) manage.py rundemo

# Production-like on this machine: DEBUG=0, gunicorn, WhiteNoise, persistent database connections in a
# bounded pool. Plain HTTP unless HTTPS=1 (set it, and BEHIND_PROXY=1, behind a TLS proxy).
serve: install  ## gunicorn (2 x CPUs + 1 threaded workers), Celery workers and beat on :8000
	@set -e; mkdir -p var; \
	test -s var/secret-key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret-key; \
	export DEBUG=0 SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret-key)}" HTTPS="$${HTTPS:-0}" \
		SERVE_MEDIA="$${SERVE_MEDIA:-1}" DB_CONN_MAX_AGE="$${DB_CONN_MAX_AGE:-60}"; \
	$(PY) manage.py collectstatic --noinput --verbosity 0; \
	$(PY) -m personalization.recommender.warm; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py seed_demo --if-empty; \
	$(PY) manage.py serve

test: install lint  ## the whole suite (PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports  # the layers, the pure core and no cycles (contracts in pyproject.toml)

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install  ## speed and memory figures as JSON
	$(PY) bench/recommender.py --json
	$(PY) bench/impressions.py --json

clean:
	rm -rf var .pytest_cache .ruff_cache
