# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT ?= 8000

.PHONY: install run test lint format vendor-nhsuk api-schema check-deploy compose-check audit audit-code audit-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s). Set PYTHON=python3.11." % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Web server, Celery worker and its one embedded beat (demo/run_all.py). Ctrl-C stops all of them.
# Without REDIS_URL the broker is a folder (.broker/), so nothing else is needed. PORT sets the port,
# and the links in emails follow it (SITE_URL, unless set). Emails: one line each, full text in sent-emails/.
run: install
	DEBUG=true PORT=$(PORT) $(BIN)/python manage.py migrate --no-input
	DEBUG=true PORT=$(PORT) $(BIN)/python manage.py seed_demo
	@echo "Starting on http://127.0.0.1:$(PORT)/ (Ctrl-C stops the web server, worker and beat)"
	@DEBUG=true PORT=$(PORT) $(BIN)/python -m demo.run_all $(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The API's OpenAPI schema, committed so a change to the API shows in review (tests/api/test_schema.py
# fails until it is regenerated).
api-schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/api/openapi.yaml

# The deployment checks under production-like values (used by .ci/run).
check-deploy: install
	DEBUG=false HTTPS=true BEHIND_PROXY=true ALLOWED_HOSTS=cutover.example.org \
	SECRET_KEY="ci-only-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')" \
	TEAMS_WEBHOOK_KEY="$$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# docker-compose.yml proved without Docker: each service's command from a fresh copy of the repository
# after the Dockerfile's RUN steps, against the local PostgreSQL and Redis (.ci/compose_check.py).
compose-check: install
	$(BIN)/python .ci/compose_check.py

# Supply chain and static checks. .ci/run runs audit-code only: audit-deps needs a vulnerability
# service that the CI machine cannot reach (README, "Supply chain checks").
audit: audit-code audit-deps

# bandit over our own Python: any medium or high finding fails, unless a `# nosec` says why.
audit-code: install
	$(BIN)/bandit -c pyproject.toml -r . --severity-level medium --quiet

# pip-audit resolves requirements.txt and asks a vulnerability service about every package.
# --strict fails when a package cannot be checked, so an unreachable service never passes as "no
# known vulnerabilities" (which is what pip-audit prints without it).
audit-deps: install
	@$(BIN)/pip-audit --strict --progress-spinner off -r requirements.txt || { \
	  echo "make audit-deps: FAILED. Either a package above has a known vulnerability, or the"; \
	  echo "vulnerability service could not be reached (PyPI's per-release JSON API, or OSV with -s osv),"; \
	  echo "so the dependencies were not checked at all."; exit 1; }

clean:
	rm -rf $(VENV) .broker staticfiles .pytest_cache

# The NHS.UK design system in static/nhsuk/, from the npm tarball pinned (with its checksum) in
# static/nhsuk/VERSION. Needs npm; its output is committed, so nothing else does.
vendor-nhsuk:
	sh .ci/vendor_nhsuk.sh
