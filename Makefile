# feedmesh: the two commands a newcomer needs are `make up` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      ?= .venv
PY        := $(VENV)/bin/python
CACHE     ?= $(HOME)/.cache/feedmesh
BUF       := $(CACHE)/npm/node_modules/@bufbuild/buf-linux-x64/bin/buf
BUF_VER   := 1.75.0
OPENAPIV3 := $(CACHE)/go/bin/protoc-gen-openapiv3
# npm: the dashboard's chart library (served by the gateway), and the browser driver of its test and screenshot
UPLOT     := $(CACHE)/npm/node_modules/uplot/dist/uPlot.iife.min.js
UPLOT_VER := 1.6.32
# npm: Swagger UI, the API reference page the gateway serves at /docs (gateway/api_docs.py)
SWAGGER_UI     := $(CACHE)/npm/node_modules/swagger-ui-dist/swagger-ui-bundle.js
SWAGGER_UI_VER := 5.35.0
PLAYWRIGHT     := $(CACHE)/npm/node_modules/playwright-core/package.json
PLAYWRIGHT_VER := 1.65.2
# The generated clients (make clients, clients/README.md): Go plugins from the Go module proxy and protoc-gen-es from
# npm, all in the cache; the Go client's modules in the cache's Go module cache, the TypeScript client's packages in
# clients/ts/node_modules (git-ignored), from its lock file. protoc-gen-es is the version of @bufbuild/protobuf that
# clients/ts/package.json pins (tests/e2e/test_clients.py checks they agree).
GO_CACHE_ENV       := GOMODCACHE=$(CACHE)/go/mod GOCACHE=$(CACHE)/go/build GOFLAGS=-modcacherw
PROTOC_GEN_GO      := $(CACHE)/go/bin/protoc-gen-go
PROTOC_GEN_GO_VER  := v1.36.11
PROTOC_GEN_GO_GRPC := $(CACHE)/go/bin/protoc-gen-go-grpc
PROTOC_GEN_GO_GRPC_VER := v1.6.2
PROTOC_GEN_ES      := $(CACHE)/npm/node_modules/@bufbuild/protoc-gen-es/package.json
PROTOC_GEN_ES_VER  := 2.17.0
CLIENT_GENERATORS  := $(PROTOC_GEN_GO) $(PROTOC_GEN_GO_GRPC) $(PROTOC_GEN_ES)
TS_MODULES         := clients/ts/node_modules/.package-lock.json
# The web app (web/README.md): its packages in web/node_modules (git-ignored) from its lock file, built by Vite into
# web/dist (git-ignored), which the gateway serves at / (gateway/web_app.py); rebuilt when a source changes.
WEB_MODULES        := web/node_modules/.package-lock.json
WEB_DIST           := web/dist/index.html
WEB_SOURCES        := $(wildcard web/src/*.ts web/src/*.css) web/index.html web/vite.config.ts web/tsconfig.json \
                      $(wildcard clients/ts/src/*.ts clients/ts/src/gen/*/*/*/*.ts)
GO_MODULES         := $(CACHE)/go/mod/cache/feedmesh-clients-go.sum
# Helm, for `make k8s-render` only (docs/kubernetes.md): built from the Go module proxy into the cache (a few minutes
# the first time); `make test` checks the committed render without it.
HELM               := $(CACHE)/go/bin/helm
HELM_VER           := v4.3.2

.PHONY: help setup gen clients client-deps web web-test web-shots lint fmt up down wipe status test test-unit test-integration bench train browser dashboard-shot chaos chaos-cluster chaos-light fuzz-api fuzz-grpc k8s-render capacity soak

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(PY): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(PY)

$(BUF):
	mkdir -p $(CACHE)/npm
	npm install --silent --prefix $(CACHE)/npm @bufbuild/buf@$(BUF_VER)

$(UPLOT):
	mkdir -p $(CACHE)/npm
	npm install --silent --prefix $(CACHE)/npm uplot@$(UPLOT_VER)

$(SWAGGER_UI):
	mkdir -p $(CACHE)/npm
	npm install --silent --prefix $(CACHE)/npm swagger-ui-dist@$(SWAGGER_UI_VER)

$(PLAYWRIGHT):
	mkdir -p $(CACHE)/npm
	npm install --silent --prefix $(CACHE)/npm playwright-core@$(PLAYWRIGHT_VER)

# OpenAPI 3.1 from the google.api.http annotations (gen/openapi/feedmesh.openapi.json, tools/gen.sh)
$(OPENAPIV3):
	GOBIN=$(CACHE)/go/bin go install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv3@v2.34.0

$(PROTOC_GEN_GO):
	GOBIN=$(CACHE)/go/bin $(GO_CACHE_ENV) go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VER)

$(PROTOC_GEN_GO_GRPC):
	GOBIN=$(CACHE)/go/bin $(GO_CACHE_ENV) go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VER)

$(PROTOC_GEN_ES):
	mkdir -p $(CACHE)/npm
	npm install --silent --prefix $(CACHE)/npm @bufbuild/protoc-gen-es@$(PROTOC_GEN_ES_VER)

# the TypeScript client's packages, exactly as its lock file says (npm's download cache in ours)
$(TS_MODULES): clients/ts/package-lock.json
	npm ci --silent --no-audit --no-fund --prefer-offline --cache $(CACHE)/npm-cache --prefix clients/ts
	@touch $@

$(WEB_MODULES): web/package-lock.json
	npm ci --silent --no-audit --no-fund --prefer-offline --cache $(CACHE)/npm-cache --prefix web
	@touch $@

$(WEB_DIST): $(WEB_MODULES) $(WEB_SOURCES)
	cd web && npm run --silent build

$(HELM):
	GOBIN=$(CACHE)/go/bin $(GO_CACHE_ENV) go install helm.sh/helm/v4/cmd/helm@$(HELM_VER)

# the Go client's modules, downloaded once per go.sum
$(GO_MODULES): clients/go/go.sum
	cd clients/go && $(GO_CACHE_ENV) go mod download
	@mkdir -p $(dir $@) && cp clients/go/go.sum $@

setup: $(PY) $(BUF) $(OPENAPIV3) $(UPLOT) $(SWAGGER_UI) $(WEB_DIST) ## Python environment (with the operator CLI, .venv/bin/feedmesh), buf, code generators, the web app's build, and the servers' binaries
	bash stack/provision.sh

gen: $(PY) $(BUF) $(OPENAPIV3) ## regenerate gen/ from proto/ (stubs, descriptor set, OpenAPI)
	PATH="$(abspath $(VENV))/bin:$$PATH" BUF=$(BUF) bash tools/gen.sh

clients: $(BUF) $(CLIENT_GENERATORS) client-deps ## regenerate clients/ (Go, TypeScript) from the public packages proto/feedmesh/*/v1
	BUF=$(BUF) bash tools/gen_clients.sh

client-deps: $(TS_MODULES) $(GO_MODULES) ## the generated clients' dependencies (Go module proxy, npm), for their builds and tests

web: $(WEB_DIST) ## build the web app (web/) into web/dist, which the gateway serves at / (restart the gateway to pick up a new build)

web-test: $(WEB_MODULES) ## the web app's unit tests (vitest, web/test): times, error texts, likes, mentions, notifications
	cd web && npm run --silent test

web-shots: browser $(WEB_DIST) ## docs/screenshots/*.png: each screen of the web app on the running stack, as two people use it
	PYTHONPATH=gen:. $(PY) -m gateway.web_browser --shots docs/screenshots

lint: $(PY) $(BUF) ## buf lint + format check, ruff, mypy
	$(BUF) lint
	$(BUF) format --diff --exit-code
	$(BUF) breaking --against '.git#branch=main'
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy services stack tests feedmesh_cli deploy $(wildcard gateway bench)

fmt: $(PY) $(BUF) ## apply buf format and ruff format
	$(BUF) format -w
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# `make up TOPOLOGY=cluster`: three Kafka and Cassandra nodes, Redis with a replica and Sentinel, two replicas of every
# service (docs/cluster.md); down, status and ctl.sh follow the topology `make up` recorded in .run/topology.
TOPOLOGY ?= single
up: setup ## provision on first use, then start the whole stack and wait until it answers (TOPOLOGY=cluster: docs/cluster.md)
	FEEDMESH_TOPOLOGY=$(TOPOLOGY) bash stack/up.sh

down: ## stop exactly what `make up` started
	bash stack/down.sh

wipe: down ## stop, then delete all local state (.run/)
	bash stack/wipe.sh

status: ## what is running
	bash stack/status.sh

test-unit: $(PY) $(UPLOT) $(SWAGGER_UI) ## unit tests only (no servers)
	$(VENV)/bin/pytest -q tests/unit

test: $(PY) $(BUF) $(OPENAPIV3) $(CLIENT_GENERATORS) client-deps browser ## everything: lint, generated code in step, unit, integration and e2e tests on the real stack
	bash tools/check_gen_clean.sh
	$(MAKE) lint
	$(MAKE) web-test
	$(MAKE) up
	$(VENV)/bin/pytest -q -p no:cacheprovider tests

k8s-render: $(PY) $(HELM) $(UPLOT) $(SWAGGER_UI) $(WEB_DIST) ## the Helm chart's manifests into deploy/rendered/ (+ stamp of its inputs) and the gateway's config into the chart (docs/kubernetes.md)
	$(HELM) lint deploy/helm/feedmesh
	PYTHONPATH=gen:. $(PY) -m deploy.k8s_render --helm $(HELM)

capacity: $(PY) ## the capacity model (docs/capacity.md) from the committed benchmark results: machines, Redis memory, Cassandra storage for 1M/10M/100M daily users
	PYTHONPATH=gen:. $(PY) -m bench.capacity_report

browser: $(PLAYWRIGHT) ## headless Chromium (apt) and playwright-core (npm): the dashboard's test and screenshot
	bash stack/provision.sh --browser

dashboard-shot: browser ## docs/dashboard.png from the running stack's dashboard (RANGE=30m, END=unix seconds)
	PYTHONPATH=gen:. $(PY) -m gateway.dashboard_browser --screenshot docs/dashboard.png \
		$(if $(RANGE),--range $(RANGE)) $(if $(END),--end $(END))

train: $(PY) ## the offline ranking chain once, on the running stack: flush the lake, features to Redis, train, publish if it beats recency
	PYTHONPATH=gen:. $(PY) -m feedmesh_cli admin train

bench: up ## benchmarks on the real stack (timeline, engagement, notifications, ranking, ranking quality); results in bench/results/
	$(PY) -m bench.run
	$(PY) -m bench.engagement
	$(PY) -m bench.notification
	$(PY) -m bench.ranking
	$(PY) -m bench.ranking_quality

fuzz-api: up ## Schemathesis against the gateway with valid tokens: every operation, 20 seeded examples each, then 60 stateful scenarios along the OpenAPI links; exit 1 on a 5xx, an answer off the document or an operation rejecting most of its examples; bench/results/fuzz-api-<time>.json (docs/api.md)
	PYTHONPATH=gen:. $(PY) -m gateway.fuzz_api --report bench/results $(if $(EXAMPLES),--examples $(EXAMPLES)) $(if $(SEED),--seed $(SEED)) $(if $(SCENARIOS),--scenarios $(SCENARIOS)) $(if $(GATEWAY),--gateway $(GATEWAY))

fuzz-grpc: up ## Hypothesis-generated protobuf messages at every service's gRPC port, 200 random examples per RPC; exit 1 on INTERNAL/UNKNOWN, an undocumented status or a missed deadline (docs/authorization.md)
	FEEDMESH_FUZZ_EXAMPLES=$(or $(EXAMPLES),200) FEEDMESH_FUZZ_RANDOM=1 $(VENV)/bin/pytest -q -p no:cacheprovider tests/e2e/test_grpc_fuzz.py

soak: $(PY) ## the mixed load at half the capacity a short ramp measures, on the RUNNING stack (starts and stops nothing), 40 min (FEEDMESH_SOAK_MINUTES; memory judged after 10 of warm-up): memory slope per process, errors, backlogs; bench/results/soak-<time>.json + .png (bench/README.md)
	$(PY) -m bench.soak $(if $(CAPACITY),--capacity $(CAPACITY)) $(if $(PIDS),--pids $(PIDS))

chaos: up ## kill (SIGKILL) and restart every service, the gateway and each data-tier component, pause Kafka and Cassandra, under a mixed load; then check that nothing acknowledged was lost (~10 min, needs the stack to itself); docs/failure-modes.md, exit 1 on a loss
	$(PY) -m bench.chaos_full

chaos-cluster: ## on the RUNNING cluster topology (make up TOPOLOGY=cluster): kill one Kafka broker, one Cassandra node, the Redis primary (after its replica is promoted) and one replica of each service under the mixed load, then check nothing acknowledged was lost; docs/cluster.md (report in bench/results/, docs untouched)
	FEEDMESH_TOPOLOGY=cluster $(PY) -m bench.chaos_full --schedule cluster --no-docs

chaos-light: up ## stop each data-tier component and service in turn under a light load (~10 min); table in docs/failure-modes.md, exit 1 on a 500 or a hang
	$(PY) -m bench.chaos
