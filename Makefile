# gaol — build, test and measure. `make help` lists the targets.

GO        ?= go
BIN       := bin/gaol
PREFIX    ?= /usr/local
PKGS      := ./...
# Debian packages the tests and benchmarks use: pypy3 for the PyPy tests,
# hyperfine for `make bench`, strace for comparisons.
DEB_PKGS  := pypy3 hyperfine strace

.PHONY: all build test test-short fuzz bench lint install deps escape compat mutation help clean

# Fuzz targets CI runs for a bounded time each: package and target.
FUZZTIME ?= 10s
FUZZ_TARGETS := policies:FuzzLoadSource policies:FuzzDecide policies:FuzzGlob policies:FuzzFormat \
	vfs:FuzzResolve supervisor:FuzzParseSockaddr supervisor:FuzzParseMsghdr supervisor:FuzzSockaddrLen \
	supervisor:FuzzFlagNames

all: build

help:
	@echo "make deps     install the Debian packages the tests need (apt-get, as root)"
	@echo "make build    build $(BIN)"
	@echo "make test     run the whole test suite (the supervisor with -race)"
	@echo "make bench    startup and per-syscall cost under gaol against the bare interpreter"
	@echo "make fuzz     run each fuzz target for FUZZTIME (default $(FUZZTIME))"
	@echo "make lint     gofmt and go vet"
	@echo "make install  install gaol to $(PREFIX)/bin"
	@echo "make escape   the adversarial escape suite (tests/escape) against $(BIN)"
	@echo "make compat   CPython's test modules natively and under gaol (needs pyenv's CPython)"
	@echo "make mutation apply each weakening in tests/mutation/mutations.txt and check a test fails (M=name for one)"

# gaol is built static (CGO_ENABLED=0): a run starts the binary twice,
# as the supervisor and as the guest stub, and a cgo build (which the net
# package's resolver asks for) makes each start load libc through the
# dynamic linker and create its threads through pthread.
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/gaol

# deps installs what is missing and is a no-op when all is there, so that
# `make test` can depend on it on a fresh Debian machine.
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "make deps: need root to install:$$missing (tests needing them will skip)"; exit 0; fi; \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

test: deps lint build
	$(GO) test -race -count=1 -timeout 20m $(PKGS)
	$(MAKE) fuzz

# A failing input is saved under the package's testdata/fuzz and replayed
# first by the next run, so the one retry below only absorbs a fuzzing
# engine's own hiccup (a worker lost on a loaded machine), never a bug.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; log=$$(mktemp); \
		echo "fuzz $$name ($(FUZZTIME))"; \
		if ! $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./$$pkg/ >$$log 2>&1; then \
			tail -20 $$log; echo "fuzz $$name: retrying once"; \
			$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./$$pkg/ >$$log 2>&1 || \
				{ tail -40 $$log; rm -f $$log; echo "fuzz $$name FAILED; rerun: go test -run '^$$' -fuzz '^$$name\$$' ./$$pkg/"; exit 1; }; \
		fi; rm -f $$log; \
	done

bench: build
	$(GO) test -run '^$$' -bench 'NotifyRoundTrip|KernelSyscall' -benchtime 20000x ./supervisor/seccomp/
	$(GO) run ./supervisor/internal/bench -gaol $(BIN)

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/gaol

# The adversarial suite: one line per attack, contained or ESCAPED.
escape: build
	GAOL_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 10m -v -run TestEscape ./tests/escape/

# CPython's own test modules natively and under gaol, side by side.
compat: build
	python3 tests/compat/compat.py --gaol $(BIN)

# Each weakening of tests/mutation/mutations.txt, applied alone to a copy of
# the tree, must make its test fail. Slow (a build and a test per mutant),
# so outside `make test`.
mutation:
	$(GO) run ./tests/mutation $(M)

clean:
	rm -rf bin
