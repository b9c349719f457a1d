package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/pgtest"
)

// TestAnalyzeAfterBulkWrite checks that a commit writing more than minRows
// index rows leaves the search tables analysed, without waiting for
// autovacuum.
func TestAnalyzeAfterBulkWrite(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	s.analyzer.onAnalyze = func(err error) { done <- err }
	if err := s.CreateTenant(ctx, "t"); err != nil {
		t.Fatal(err)
	}

	analysed := func() bool {
		var last *time.Time
		err := s.pool.QueryRow(ctx, `SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'search_token'`).Scan(&last)
		if err != nil {
			t.Fatal(err)
		}
		return last != nil
	}
	write := func(from, n int) {
		var writes []store.Write
		for i := from; i < from+n; i++ {
			id := fmt.Sprintf("p%d", i)
			writes = append(writes, store.Write{Type: "Patient", ID: id, Version: 1, LastUpdated: time.Now(), Method: store.MethodPost,
				Body:  fmt.Appendf(nil, `{"resourceType":"Patient","id":%q}`, id),
				Index: store.Index{Tokens: []store.TokenValue{{Param: "identifier", System: "s", Code: id}}}})
		}
		if err := s.Update(ctx, "t", func(tx store.Tx) error { return tx.Write(ctx, writes) }); err != nil {
			t.Fatal(err)
		}
	}

	write(0, 10) // far below minRows: nothing happens
	select {
	case err := <-done:
		t.Fatalf("ANALYZE ran after 20 rows (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	if analysed() {
		t.Fatal("search_token analysed after a small write")
	}

	write(10, minRows) // 2,000 rows more
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ANALYZE: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no ANALYZE after a bulk write")
	}
	if !analysed() {
		t.Fatal("search_token not analysed after a bulk write")
	}
}
