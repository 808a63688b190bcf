# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PLUGINS = $(wildcard plugins/*/setup.cfg)
PLUGIN_DIRS = $(patsubst %/setup.cfg,%,$(PLUGINS))

.PHONY: run run-production test install install-test bench clean fuzz screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# -qq: setuptools prints an information box for every editable install ("Editable installation ..."); errors still show
$(VENV)/.installed: $(BIN)/python setup.cfg $(PLUGINS)
	$(BIN)/pip install -qq -e . $(foreach p,$(PLUGIN_DIRS),-e $(p))
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -qq -e '.[testing]'
	touch $@

install: $(VENV)/.installed

# make run HOST=0.0.0.0 PORT=8080: development.ini with another address (written to .run.ini beside it, so that
# %(here)s is the same folder); without a terminal, the server prints a one-time setup code for the first administrator.
HOST ?= 127.0.0.1
PORT ?= 6543
run: install
	mkdir -p var
	$(BIN)/dashboard development.ini init
	sed -e 's|^listen = .*|listen = $(HOST):$(PORT)|' -e 's|^dashboard.public_url = .*|dashboard.public_url = http://$(HOST):$(PORT)|' \
		development.ini > .run.ini
	$(BIN)/pserve .run.ini

# make run-production WORKERS=2: production.ini's server with WORKERS processes on a ZEO server serving var/Data.fs
# (runzeo on 127.0.0.1:ZEO_PORT, started beside pserve in its own session and stopped after it), written to
# .production.ini beside production.ini; HOST and PORT as for make run.
WORKERS ?= 2
ZEO_PORT ?= 8100
ZEO_URI = zeo://127.0.0.1:$(ZEO_PORT)?connection_cache_size=20000\&cache_size=256MB
run-production: install
	mkdir -p var
	sed -e 's|^zodbconn.uri = .*|zodbconn.uri = $(ZEO_URI)|' -e 's|^workers = .*|workers = $(WORKERS)|' \
		-e 's|^listen = .*|listen = $(HOST):$(PORT)|' production.ini > .production.ini
	setsid $(BIN)/runzeo -a 127.0.0.1:$(ZEO_PORT) -f var/Data.fs & zeo=$$!; trap 'kill $$zeo; wait $$zeo' EXIT; \
		$(BIN)/pserve .production.ini

test: install-test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install-test-deps: $(VENV)/.installed-test

# The README's screenshots, from the browser tests that take them, against the demo gadgets (no test-only ones).
SHOT_TESTS = build_a_dashboard or approval_then_connect or phone_screen or one_set_of_tabs
screenshots: install-test-deps
	DASHBOARD_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest tests/test_browser.py \
		tests/test_browser_arrange.py -k "$(SHOT_TESTS)"

# The API fuzzer with many more generated requests per operation than `make test` runs.
fuzz: install-test-deps
	FUZZ_EXAMPLES=500 $(BIN)/python -m pytest tests/test_api_fuzz.py

bench: install-test-deps
	for b in dashboard_page credentialed_fetch slow_upstreams refresh_storm browser_slow_gadget server_concurrency shared_cache \
		hostile_upstreams scale scale_out; do \
		echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) var/test-*
