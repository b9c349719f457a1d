// Package bench holds Kiln's performance benchmarks; it has no non-test code.
//
// ingest_bench_test.go measures transaction ingest of the Synthea sample
// bundles (../shared/fhir-samples/synthea, outside this repository) through
// fhir/engine on both storage backends, and, in the same run, the two
// bounds it is judged against: the floor (a raw PostgreSQL COPY of the same
// resource JSON into a bare table) and the validator's own rate per core.
// After the benchmarks it prints ingest ÷ floor and ingest ÷ (validator
// rate × cores). Run it with `make bench`, or:
//
//	GOTOOLCHAIN=local go test -run '^$' -bench 'Ingest|CopyFloor|Validate' -benchtime 3x ./bench/
//
// search_bench_test.go scales the Synthea patients up (scale_test.go: new
// names, identifiers, uuids and shifted dates per copy) to
// KILN_BENCH_SEARCH_RESOURCES resources (default 100,000), loads them into
// each backend through the transaction path, reports the load rate, then
// times a fixed query mix over real HTTP and reports p50 and p99 per
// query with a summary table. Run it with `make bench-search`.
//
// PostgreSQL benchmarks use internal/pgtest, so they need a server (see
// KILN_TEST_DATABASE_URL) and are skipped without one, except under CI=true.
package bench
