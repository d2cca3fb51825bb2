# Streamflix: `make demo` runs the site, `make test` runs every check CI runs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: install demo test lint format bench clean

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
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py seed_demo --if-empty; \
	$(PY) manage.py rundemo

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
