# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench install deps-system translations messages check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -d tenants/translations

## make messages: re-extract UI text into the catalogs (then translate the new ja entries)
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ --no-location \
	  --ignore-dirs=".venv tests migrations bench instance build" -o tenants/translations/messages.pot .
	$(VENV)/bin/pybabel update -N -i tenants/translations/messages.pot -d tenants/translations

## make run: install, migrate, seed the demo into an empty database, start web + workers + scheduler (Ctrl-C stops all)
run: install
	$(PY) -m flask --app app run-all

## make test: install what the tests need, lint (ruff) and type-check (mypy, config in pyproject), then run
## the whole suite (SQLite and PostgreSQL); any finding fails the target
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q $(PYTEST_ARGS)

## make deps-system: the Debian packages the tests start as real servers (root, apt-get)
deps-system:
	.ci/install-packages

## make bench: benchmarks, each writing bench/results/<name>.json
bench: install
	$(PY) -m bench $(BENCH)

check: install
	$(PY) -m alembic check

clean:
	rm -rf $(VENV) instance
