package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

// testRecords checks the Records area: get, list order, put (replace),
// delete, tenant and kind scoping, and expiry.
func testRecords(h *harness) {
	s := h.s
	if _, err := s.GetRecord(h.ctx, "t", "client", "a"); !errors.Is(err, store.ErrNotFound) {
		h.Fatalf("GetRecord of nothing: %v; want ErrNotFound", err)
	}
	put := func(r store.Record) {
		h.Helper()
		if err := s.PutRecord(h.ctx, r); err != nil {
			h.Fatalf("PutRecord(%s/%s/%s): %v", r.Tenant, r.Kind, r.Key, err)
		}
	}
	put(store.Record{Tenant: "t", Kind: "client", Key: "b", Value: []byte("B1")})
	put(store.Record{Tenant: "t", Kind: "client", Key: "a", Value: []byte("A")})
	put(store.Record{Tenant: "t", Kind: "client", Key: "b", Value: []byte("B2")}) // replaces
	put(store.Record{Tenant: "u", Kind: "client", Key: "a", Value: []byte("other tenant")})
	put(store.Record{Tenant: "t", Kind: "apikey", Key: "a", Value: []byte("other kind")})
	put(store.Record{Tenant: "", Kind: "client", Key: "z", Value: nil}) // no tenant, empty value
	put(store.Record{Tenant: "t", Kind: "client", Key: "gone", Value: []byte("x"), Expires: time.Now().Add(-time.Second)})

	rs, err := s.ListRecords(h.ctx, "t", "client")
	if err != nil {
		h.Fatalf("ListRecords: %v", err)
	}
	if got := recordString(rs); got != "t/client/a=A t/client/b=B2" {
		h.Errorf("ListRecords(t, client) = %s; want a=A and b=B2 in key order, expired left out", got)
	}
	if r, err := s.GetRecord(h.ctx, "", "client", "z"); err != nil || len(r.Value) != 0 {
		h.Errorf("GetRecord of a tenant-less record with an empty value = %q, %v", r.Value, err)
	}
	if _, err := s.GetRecord(h.ctx, "t", "client", "gone"); !errors.Is(err, store.ErrNotFound) {
		h.Errorf("GetRecord of an expired record: %v; want ErrNotFound", err)
	}
	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond).UTC()
	put(store.Record{Tenant: "t", Kind: "client", Key: "c", Value: []byte("C"), Expires: exp})
	if r, err := s.GetRecord(h.ctx, "t", "client", "c"); err != nil || !r.Expires.Equal(exp) || string(r.Value) != "C" {
		h.Errorf("GetRecord(c) = %+v, %v; want value C expiring %v", r, err, exp)
	}

	if err := s.DeleteRecord(h.ctx, "t", "client", "a"); err != nil {
		h.Errorf("DeleteRecord: %v", err)
	}
	if err := s.DeleteRecord(h.ctx, "t", "client", "a"); !errors.Is(err, store.ErrNotFound) {
		h.Errorf("DeleteRecord twice: %v; want ErrNotFound", err)
	}
	if err := s.DeleteRecord(h.ctx, "t", "client", "gone"); !errors.Is(err, store.ErrNotFound) {
		h.Errorf("DeleteRecord of an expired record: %v; want ErrNotFound", err)
	}
	if r, err := s.GetRecord(h.ctx, "u", "client", "a"); err != nil || string(r.Value) != "other tenant" {
		h.Errorf("another tenant's record with the same key = %q, %v", r.Value, err)
	}
}

// testInsertRecord checks that InsertRecord admits one writer per key, even
// under concurrency, and replaces an expired record.
func testInsertRecord(h *harness) {
	s := h.s
	r := store.Record{Tenant: "t", Kind: "jti", Key: "client-1 abc", Expires: time.Now().Add(time.Minute)}
	if err := s.InsertRecord(h.ctx, r); err != nil {
		h.Fatalf("InsertRecord: %v", err)
	}
	if err := s.InsertRecord(h.ctx, r); !errors.Is(err, store.ErrConflict) {
		h.Errorf("InsertRecord of an existing key: %v; want ErrConflict", err)
	}
	old := store.Record{Tenant: "t", Kind: "jti", Key: "old", Value: []byte("1"), Expires: time.Now().Add(-time.Second)}
	if err := s.PutRecord(h.ctx, old); err != nil {
		h.Fatalf("PutRecord: %v", err)
	}
	old.Value, old.Expires = []byte("2"), time.Now().Add(time.Minute)
	if err := s.InsertRecord(h.ctx, old); err != nil {
		h.Errorf("InsertRecord over an expired record: %v", err)
	}
	if got, err := s.GetRecord(h.ctx, "t", "jti", "old"); err != nil || string(got.Value) != "2" {
		h.Errorf("after InsertRecord over an expired record: %q, %v", got.Value, err)
	}

	// Concurrent inserts of one key: exactly one wins.
	const n = 8
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		won, lost int
	)
	for range n {
		wg.Go(func() {
			err := s.InsertRecord(h.ctx, store.Record{Tenant: "t", Kind: "jti", Key: "race", Expires: time.Now().Add(time.Minute)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrConflict):
				lost++
			default:
				h.Errorf("concurrent InsertRecord: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || lost != n-1 {
		h.Errorf("concurrent InsertRecord: %d won, %d lost; want 1 and %d", won, lost, n-1)
	}
}

// testReplaceRecords checks that ReplaceRecords swaps one tenant and kind's
// records and leaves the rest alone, and refuses foreign records.
func testReplaceRecords(h *harness) {
	s := h.s
	for _, r := range []store.Record{
		{Tenant: "", Kind: "casbin", Key: "1", Value: []byte("one")},
		{Tenant: "", Kind: "casbin", Key: "2", Value: []byte("two")},
		{Tenant: "", Kind: "other", Key: "1", Value: []byte("keep")},
		{Tenant: "t", Kind: "casbin", Key: "1", Value: []byte("keep too")},
	} {
		if err := s.PutRecord(h.ctx, r); err != nil {
			h.Fatalf("PutRecord: %v", err)
		}
	}
	err := s.ReplaceRecords(h.ctx, "", "casbin", []store.Record{
		{Tenant: "", Kind: "casbin", Key: "3", Value: []byte("three")},
		{Tenant: "", Kind: "casbin", Key: "2", Value: []byte("two'")},
	})
	if err != nil {
		h.Fatalf("ReplaceRecords: %v", err)
	}
	rs, err := s.ListRecords(h.ctx, "", "casbin")
	if err != nil {
		h.Fatal(err)
	}
	if got := recordString(rs); got != "/casbin/2=two' /casbin/3=three" {
		h.Errorf("after ReplaceRecords: %s", got)
	}
	for _, k := range [][2]string{{"", "other"}, {"t", "casbin"}} {
		if rs, err := s.ListRecords(h.ctx, k[0], k[1]); err != nil || len(rs) != 1 {
			h.Errorf("ReplaceRecords touched %s/%s: %d records, %v", k[0], k[1], len(rs), err)
		}
	}
	if err := s.ReplaceRecords(h.ctx, "", "casbin", []store.Record{{Tenant: "t", Kind: "casbin", Key: "x"}}); err == nil {
		h.Errorf("ReplaceRecords with a record of another tenant: no error")
	}
	if rs, _ := s.ListRecords(h.ctx, "", "casbin"); len(rs) != 2 {
		h.Errorf("a refused ReplaceRecords changed the records: %d left", len(rs))
	}
	if err := s.ReplaceRecords(h.ctx, "", "casbin", nil); err != nil {
		h.Errorf("ReplaceRecords with nothing: %v", err)
	}
	if rs, _ := s.ListRecords(h.ctx, "", "casbin"); len(rs) != 0 {
		h.Errorf("ReplaceRecords with nothing left %d records", len(rs))
	}
}

func recordString(rs []store.Record) string {
	var b bytes.Buffer
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s/%s/%s=%s", r.Tenant, r.Kind, r.Key, r.Value)
	}
	return b.String()
}
