# Tipline: build, check and run.
#
#   make test    everything CI runs (.ci/run): gofmt, go vet, staticcheck, deadcode,
#                go test -race against DynamoDB Local and in chromium, cfn-lint and
#                the OpenAPI check
#   make lint    the static checks alone (no DynamoDB Local, no tests)
#   make build   Lambda bootstrap binaries (linux/arm64) under $(BUILD_DIR)/<function>/
#   make serve   the whole system on one port (ARGS="-addr :9000 ..." passes flags)
#   make bench   benchmarks of the shared packages
#   make fuzz    every fuzz target for FUZZTIME (1m) each; make test runs them for 5000 inputs each
#
# DynamoDB Local is installed once into ${TIPLINE_CACHE:-~/.cache/tipline} by
# infra/dynamodb-local/dynamodb-local.sh; each `make test` starts its own
# instance on a free port, so concurrent runs do not collide.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

GO ?= go
BUILD_DIR ?= build
DDB_LOCAL := infra/dynamodb-local/dynamodb-local.sh
CHROMIUM_SH := infra/chromium/chromium.sh
FUNCTIONS := $(patsubst functions/%/,%,$(wildcard functions/*/))
ARGS ?=
BENCH ?= .
# Linters, pinned; `go run` builds each once into the build cache
# (staticcheck 2026.2.2 and x/tools v0.52.0 support Go 1.26).
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DEADCODE := golang.org/x/tools/cmd/deadcode@v0.52.0
# Packages with fuzz targets (Fuzz* functions); make test fuzzes each target
# for FUZZ_SMOKE after its seed corpus ran with the tests, make fuzz for FUZZTIME.
# FUZZ_SMOKE is a count of inputs, not a duration: on Go 1.26 a duration can
# end a run with a spurious "context deadline exceeded" and no failing input
# (golang/go#75804, a race in the fuzzing coordinator fixed in Go 1.27), which
# must never fail make test; a count has no deadline to race.
FUZZ_PKGS := ./shared/intake ./shared/twilio ./shared/triage ./shared/staff ./shared/store
FUZZ_SMOKE ?= 5000x
FUZZTIME ?= 1m

# Dummy credentials for DynamoDB Local (its access key must be letters and
# digits only); a fixed region, and no shared config, profile or instance
# metadata, so the tests never pick up a real account or reach the network.
TEST_ENV := DYNAMODB_ENDPOINT="$$endpoint" \
	AWS_ACCESS_KEY_ID=tiplinelocal AWS_SECRET_ACCESS_KEY=tiplinelocalsecret \
	AWS_REGION=us-east-1 AWS_PROFILE= AWS_SESSION_TOKEN= \
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	AWS_EC2_METADATA_DISABLED=true

# Shell helpers shared by the check targets: every step runs, failures are
# collected, and the recipe fails at the end if any step failed.
define CHECKS
failed=()
step() {
	local name=$$1; shift
	printf '\n==> %s\n' "$$name"
	if "$$@"; then :; else echo "FAIL: $$name"; failed+=("$$name"); fi
}
finish() {
	if (($${#failed[@]})); then
		printf '\nmake %s: FAILED: %s\n' "$$1" "$$(IFS=,; echo "$${failed[*]}")"
		exit 1
	fi
	printf '\nmake %s: every check passed\n' "$$1"
}
check_gofmt() {
	local out
	out=$$(gofmt -l .) || { echo "gofmt could not parse every file"; return 1; }
	if [[ -n $$out ]]; then echo "not gofmt-formatted (run gofmt -w on them):"; echo "$$out"; return 1; fi
	echo "all Go files formatted"
}
check_staticcheck() {
	$(GO) run $(STATICCHECK) ./... && echo "staticcheck: no findings"
}
check_deadcode() {
	# Functions that no command or Lambda function reaches. The test kits
	# and the store suite are imported by tests alone, so they do not count.
	local out
	out=$$($(GO) run $(DEADCODE) ./...) || return 1
	out=$$(grep -v -E '^shared/(testkit|store/storetest|intake/masktest|metric/emfcheck)/' <<<"$$out" || true)
	if [[ -n $$out ]]; then
		echo "unreachable code (delete it, or move what only tests use into a _test.go file):"
		echo "$$out"
		return 1
	fi
	echo "deadcode: every function is reachable"
}
check_cfn() {
	if ! command -v cfn-lint >/dev/null; then
		echo "SKIP cfn-lint: not installed (pip install cfn-lint)"
		return
	fi
	cfn-lint template.yaml || return 1
	echo "template.yaml: no errors, no warnings"
	# Linting the SAM source misses some checks on the generated resources
	# (an IAM action that does not exist, say), so lint the translation too.
	local dir rc=0
	dir=$$(mktemp -d)
	# (Make strips leading whitespace here, so the Python has no indented blocks.)
	python3 - template.yaml "$$dir/translated.json" <<'PY' || rc=$$?
	import json, os, sys
	os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
	try: from samtranslator.translator.transform import transform; from samtranslator.yaml_helper import yaml_parse
	except ImportError: sys.exit(3)
	class NoManagedPolicies: load = lambda self: {}
	tpl = yaml_parse(open(sys.argv[1]).read())
	fns = [r for r in tpl["Resources"].values() if r.get("Type") == "AWS::Serverless::Function"]
	for r in fns: r["Properties"]["CodeUri"] = "s3://tipline-placeholder/code.zip"
	json.dump(transform(tpl, {}, NoManagedPolicies()), open(sys.argv[2], "w"), indent=1)
	PY
	if ((rc == 3)); then
		echo "SKIP translated template: python3 has no aws-sam-translator"
	elif ((rc == 0)); then
		cfn-lint "$$dir/translated.json" && echo "translated template: no errors, no warnings" || rc=1
	fi
	rm -rf "$$dir"
	((rc == 0 || rc == 3))
}
check_openapi() {
	if [[ ! -f infra/openapi.yaml ]]; then echo "SKIP openapi: no infra/openapi.yaml yet"; return; fi
	if ! command -v openapi-spec-validator >/dev/null; then
		echo "SKIP openapi-spec-validator: not installed (pip install openapi-spec-validator)"
		return
	fi
	openapi-spec-validator infra/openapi.yaml
}
fuzz_all() {
	local pkg target n=0
	for pkg in $(FUZZ_PKGS); do
		for target in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz'); do
			echo "fuzz $$pkg $$target for $$1"
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime "$$1" "$$pkg" | grep -v '^fuzz: elapsed' || return 1
			n=$$((n + 1))
		done
	done
	echo "$$n fuzz targets ran for $$1 each"
}
ensure_cc() {
	# go test -race needs cgo and a C compiler.
	command -v "$$($(GO) env CC)" >/dev/null && return
	echo "installing gcc for go test -race"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev
}
endef

.PHONY: help test lint build serve bench fuzz clean

help:
	@sed -n '3,9p' Makefile | sed 's/^# \{0,1\}//; s|$$(BUILD_DIR)|$(BUILD_DIR)|g'

test:
	@$(CHECKS)
	run_dir=$$(mktemp -d "$${TMPDIR:-/tmp}/tipline-test.XXXXXX")
	pid_file=$$run_dir/dynamodb-local.pid
	cleanup() {
		bash $(DDB_LOCAL) stop --pid-file "$$pid_file" || true
		rm -rf "$$run_dir"
	}
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	bash $(DDB_LOCAL) install
	endpoint=$$(bash $(DDB_LOCAL) start --pid-file "$$pid_file")
	echo "DYNAMODB_ENDPOINT=$$endpoint"
	ensure_cc
	# The console's browser tests drive Debian's chromium: installed when
	# missing; in CI a failed install fails the browser tests, not this line.
	if chromium=$$(bash $(CHROMIUM_SH) install); then export CHROMIUM=$$chromium; echo "CHROMIUM=$$chromium"; \
	else echo "chromium could not be installed: the browser tests will skip (or fail in CI)"; fi
	step gofmt check_gofmt
	step "go vet" $(GO) vet ./...
	step staticcheck check_staticcheck
	step deadcode check_deadcode
	step "go test" env $(TEST_ENV) $(GO) test -race -count=1 ./...
	step "fuzz ($(FUZZ_SMOKE) each)" fuzz_all $(FUZZ_SMOKE)
	step cfn-lint check_cfn
	step openapi check_openapi
	finish test

lint:
	@$(CHECKS)
	step gofmt check_gofmt
	step "go vet" $(GO) vet ./...
	step staticcheck check_staticcheck
	step deadcode check_deadcode
	step cfn-lint check_cfn
	step openapi check_openapi
	finish lint

# One bootstrap per function, as the provided.al2023 runtime expects
# (lambda.norpc drops the unused RPC entry point of aws-lambda-go).
build:
	@if [[ -z "$(FUNCTIONS)" ]]; then echo "no functions/*/ to build"; exit 1; fi
	for fn in $(FUNCTIONS); do
		echo "build $(BUILD_DIR)/$$fn/bootstrap"
		CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
			-o "$(BUILD_DIR)/$$fn/bootstrap" "./functions/$$fn"
	done

serve:
	@$(GO) run ./infra/tipline serve $(ARGS)

bench:
	@$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem ./shared/...

# Every fuzz target for FUZZTIME (1m; FUZZTIME=10m make fuzz for longer). New
# failing inputs land in the package's testdata/fuzz/, where go test replays them.
fuzz:
	@$(CHECKS)
	step "fuzz ($(FUZZTIME) each)" fuzz_all $(FUZZTIME)
	finish fuzz

clean:
	@rm -rf "$(BUILD_DIR)"
