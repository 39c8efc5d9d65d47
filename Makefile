# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The official Plivo Node SDK the conformance tests drive (tests/sdk_conformance); only tests need Node.
NODE_SDK := tests/sdk_conformance
NODE_STAMP := $(NODE_SDK)/node_modules/.installed
# Plivo's browser SDK and playwright-core for the browser-phone tests (tests/webrtc); install
# scripts off: a dependency's script would download a tool, and the tests need none of them.
BROWSER_SDK := tests/webrtc/browser
BROWSER_STAMP := $(BROWSER_SDK)/node_modules/.installed

.PHONY: install install-test run test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

install-test: $(TEST_STAMP) $(NODE_STAMP) $(BROWSER_STAMP)

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# the real SIP peers the SIP tests drive, and the browser the console tests drive (Debian packages)
	command -v sipp >/dev/null && command -v baresip >/dev/null && test -x /usr/bin/chromium || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sip-tester baresip chromium; }
	touch $(TEST_STAMP)

$(NODE_STAMP): $(NODE_SDK)/package-lock.json
	# Node and npm run the official Node SDK's conformance script (Debian's packages if missing)
	command -v npm >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	cd $(NODE_SDK) && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(BROWSER_STAMP): $(BROWSER_SDK)/package-lock.json $(NODE_STAMP)
	cd $(BROWSER_SDK) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(BROWSER_STAMP)

run: install
	$(BIN)/switchboard serve

# Runs the whole suite on SQLite and on PostgreSQL (see tests/conftest.py for how
# PostgreSQL is found, and what happens when it is not there), in parallel: two pytest-xdist
# workers per core, as most tests wait on real peers and real time rather than on the CPU
# (README.md, "Tests"). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
test: install-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/http_api.py

clean:
	rm -rf $(VENV) var .pytest_cache $(NODE_SDK)/node_modules
