package postgres_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/internal/pgtest"
)

func TestZZCopy(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 1700)
	const n = 500
	mk := func(r int) (types, ids, methods []string, versions []int64, times []time.Time, del []bool, bodies [][]byte) {
		for i := range n {
			id := fmt.Sprintf("p-%06d-%03d", r, i)
			types = append(types, "Patient")
			ids = append(ids, id)
			methods = append(methods, "PUT")
			versions = append(versions, 1)
			times = append(times, time.Now())
			del = append(del, false)
			bodies = append(bodies, fmt.Appendf(nil, `{"resourceType":"Patient","id":%q,"identifier":[{"system":"urn:mrn","value":%q}],"text":{"div":"<div>%s</div>"}}`, id, id, pad))
		}
		return
	}
	round := 0
	for _, mode := range []string{"unnest", "copy", "unnest", "copy", "unnest", "copy"} {
		var total time.Duration
		for range 20 {
			round++
			types, ids, methods, versions, times, del, bodies := mk(round)
			start := time.Now()
			tx, _ := conn.Begin(ctx)
			if mode == "unnest" {
				_, err = tx.Exec(ctx, `INSERT INTO resource_versions (tenant, type, id, version, last_updated, method, deleted, body)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[], $7::boolean[], $8::json[])`, "t", types, ids, versions, times, methods, del, bodies)
			} else {
				_, err = tx.CopyFrom(ctx, pgx.Identifier{"resource_versions"}, []string{"tenant", "type", "id", "version", "last_updated", "method", "deleted", "body"},
					pgx.CopyFromSlice(n, func(i int) ([]any, error) {
						return []any{"t", types[i], ids[i], versions[i], times[i], methods[i], del[i], bodies[i]}, nil
					}))
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			total += time.Since(start)
		}
		fmt.Printf("%s: %.1f ms per 500\n", mode, float64(total.Microseconds())/1000/20)
	}
}
