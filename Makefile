# Two commands are all a new user needs: `make manual` builds the document set, `make test` runs the tests.
# Both set up what they need on a fresh machine (a venv with the Python packages; for tests also the
# Debian packages that render Word files and drive a browser).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := build/.system-packages
APT_PACKAGES := libreoffice-writer-nogui poppler-utils fonts-noto-cjk fontconfig chromium chromium-driver

.PHONY: manual html docx xlsx check test lint schema bench bytecode clean distclean system-deps

manual: $(STAMP) bytecode
	$(BIN)/isms build

html docx xlsx: $(STAMP) bytecode
	$(BIN)/isms build --only $@

check: $(STAMP)
	$(BIN)/isms check

schema: $(STAMP)
	$(BIN)/isms schema --write

test: $(STAMP) $(SYSTEM_STAMP) bytecode
	$(BIN)/ruff check tools tests
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(BIN)/ruff check tools tests
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python tools/bench.py

# The package's bytecode, as an installation compiles it: where PYTHONDONTWRITEBYTECODE is set (CI
# images), Python would compile every module of the tool again on every run (a tenth of a second).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q tools/isms

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Debian packages for the tests: LibreOffice (Word -> PDF), poppler (PDF -> PNG), Noto CJK fonts,
# Chromium and its driver (headless browser tests). Installed only when a tool is missing.
system-deps $(SYSTEM_STAMP):
	@if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v chromium >/dev/null \
	    && fc-list | grep -q 'Noto Serif CJK'; then :; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(APT_PACKAGES); \
	fi
	mkdir -p build && touch $(SYSTEM_STAMP)

clean:
	rm -rf build

distclean: clean
	rm -rf $(VENV)
