package main

// Tests of kiln migrate, reindex and serve as an operator runs them.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/pflag"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/pgtest"
)

// execKiln runs the kiln command line in-process and returns its stdout
// and its error.
func execKiln(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := rootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), err
}

// openStorage opens the store that the storage flags name, as the
// commands do; it is closed when t ends.
func openStorage(t *testing.T, storage []string) store.Store {
	t.Helper()
	var sf storageFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	sf.register(fs)
	if err := fs.Parse(storage); err != nil {
		t.Fatal(err)
	}
	st, err := sf.open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// execSQL runs statements on the database the storage flags name, beside
// the store (as another program, or a newer kiln, would).
func execSQL(t *testing.T, storage []string, stmts ...string) {
	t.Helper()
	ctx := t.Context()
	if storage[0] == "--database-url" {
		conn, err := pgx.Connect(ctx, storage[1])
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, s := range stmts {
			if _, err := conn.Exec(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		return
	}
	// Waiting, as other programs do, for a transaction kiln may still be
	// finishing.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(storage[1], "kiln.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			storage := b.args(t)
			run(t, append([]string{"migrate"}, storage...)...)
			run(t, append([]string{"migrate"}, storage...)...) // idempotent
			run(t, append([]string{"tenant", "create", "t"}, storage...)...)
			// A newer kiln has migrated the database.
			execSQL(t, storage, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (900001, true)`)
			for _, cmd := range [][]string{{"migrate"}, {"tenant", "list"}, {"reindex"}} {
				_, err := execKiln(append(cmd, storage...)...)
				if err == nil || !strings.Contains(err.Error(), "newer than this kiln") || !strings.Contains(err.Error(), "900001") {
					t.Errorf("kiln %s on a newer schema: %v, want a refusal naming the database's version", strings.Join(cmd, " "), err)
				}
			}
			// The newer kiln's database is as it left it.
			execSQL(t, storage, `DELETE FROM goose_db_version WHERE version_id = 900001`)
			if got := run(t, append([]string{"tenant", "list"}, storage...)...); got != "t\n" {
				t.Errorf("tenant list = %q", got)
			}
		})
	}
}

// TestFreshStoreIndexIsCurrent follows the README on a new database:
// kiln migrate, kiln tenant create (which writes the tenant's first
// AuditEvent), kiln serve. The index is not stale, so serve must not warn;
// it warns once the stored version is another.
func TestFreshStoreIndexIsCurrent(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			storage := b.args(t)
			run(t, append([]string{"migrate"}, storage...)...)
			run(t, append([]string{"tenant", "create", "clinic-a"}, storage...)...)
			const warning = "the search index was built by another version"
			s := startServeInProcess(t, append([]string{"--default-tenant", ""}, storage...)...)
			s.log.await(t, `"msg":"kiln serving"`, s.exited)
			if err := s.stop(); err != nil {
				t.Fatalf("kiln serve: %v", err)
			}
			if strings.Contains(s.log.String(), warning) {
				t.Errorf("kiln serve warned of a stale index on a store only kiln tenant create has written:\n%s", s.log)
			}

			execSQL(t, storage, `INSERT INTO store_meta (key, value) VALUES ('index_version', 'old')
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
			s = startServeInProcess(t, append([]string{"--default-tenant", ""}, storage...)...)
			s.log.await(t, `"msg":"kiln serving"`, s.exited)
			if err := s.stop(); err != nil {
				t.Fatalf("kiln serve: %v", err)
			}
			if !strings.Contains(s.log.String(), warning) {
				t.Errorf("kiln serve did not warn of an index built by other rules:\n%s", s.log)
			}
		})
	}
}

func TestReindexRefusesUnknownTenants(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			storage := b.args(t)
			run(t, append([]string{"tenant", "create", "t"}, storage...)...)
			out, err := execKiln(append([]string{"reindex", "--tenant", "t,nope"}, storage...)...)
			if err == nil || !strings.Contains(err.Error(), `"nope"`) {
				t.Fatalf("kiln reindex --tenant t,nope: %v, want an error naming the unknown tenant", err)
			}
			if out != "" {
				t.Errorf("kiln reindex of an unknown tenant reindexed some: %q", out)
			}
			if out := run(t, append([]string{"reindex", "--tenant", "t"}, storage...)...); !strings.HasPrefix(out, "t: reindexed 1 resources") {
				t.Errorf("kiln reindex --tenant t said %q", out)
			}
		})
	}
}

// TestReindexRetriesAfterDeadlock makes a writer and kiln reindex deadlock
// on PostgreSQL: the writer holds index rows of Patient a that reindex
// must replace, and then wants the row of Patient a that reindex has
// locked. PostgreSQL aborts reindex's transaction (it waited first);
// reindex must try the page again and finish, as writes may go on while it
// runs.
func TestReindexRetriesAfterDeadlock(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	storage := []string{"--database-url", url}
	run(t, append([]string{"tenant", "create", "t"}, storage...)...)
	st := openStorage(t, storage)
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(st, v, engine.Options{})
	ctx = engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "test", System: true}})
	for _, id := range []string{"a", "b"} {
		if _, err := eng.Do(ctx, "t", engine.Interaction{Method: "PUT", Type: "Patient", ID: id,
			Body: []byte(`{"resourceType":"Patient","id":"` + id + `","name":[{"family":"Deadlock"}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	matches := func() int {
		res, err := eng.Search(ctx, "t", engine.SearchRequest{Type: "Patient", Params: map[string][]string{"family": {"deadlock"}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Matches)
	}

	w, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	var writerPID int
	if err := w.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&writerPID); err != nil {
		t.Fatal(err)
	}
	wtx, err := w.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer wtx.Rollback(context.Background())
	if _, err := wtx.Exec(ctx, `DELETE FROM search_string WHERE tenant = 't' AND type = 'Patient' AND id = 'a'`); err != nil {
		t.Fatal(err)
	}

	type result struct {
		out string
		err error
	}
	reindexed := make(chan result, 1)
	go func() {
		out, err := execKiln(append([]string{"reindex"}, storage...)...)
		reindexed <- result{out, err}
	}()
	// Await reindex waiting for the writer's rows (asking on another
	// connection: in a transaction, pg_stat_activity does not change).
	watch, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	for waiting := false; !waiting; {
		err := watch.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> $1 AND wait_event_type = 'Lock')`, writerPID).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-reindexed:
			t.Fatalf("kiln reindex finished while the writer held rows it must replace: %q, %v", r.out, r.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The writer now wants what reindex holds: a deadlock, which
	// PostgreSQL breaks by aborting reindex.
	if _, err := wtx.Exec(ctx, `SELECT FROM resources WHERE tenant = 't' AND type = 'Patient' AND id = 'a' FOR UPDATE`); err != nil {
		t.Fatalf("the writer lost the deadlock: %v", err)
	}
	if err := wtx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-reindexed
	if r.err != nil {
		t.Fatalf("kiln reindex after a deadlock with a writer: %v", r.err)
	}
	if !strings.Contains(r.out, "t: reindexed 3 resources") { // a, b and the tenant's creation
		t.Errorf("kiln reindex said %q", r.out)
	}
	if n := matches(); n != 2 {
		t.Errorf("after reindex: %d Patients found, want 2 (the writer removed a's rows; reindex restores them)", n)
	}
}

// syncBuffer collects a command's output while it runs; its content can
// be awaited.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{})} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// has reports whether the buffer holds want, and returns a channel closed
// at the next write.
func (s *syncBuffer) has(want string) (bool, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Contains(s.b.String(), want), s.changed
}

// await waits until the buffer holds want; it fails t if exited closes
// first (the command ended) or nothing comes for a long while.
func (s *syncBuffer) await(t *testing.T, want string, exited <-chan struct{}) string {
	t.Helper()
	for {
		found, changed := s.has(want)
		if found {
			return s.String()
		}
		select {
		case <-changed:
		case <-exited:
			if found, _ := s.has(want); found {
				return s.String()
			}
			t.Fatalf("the command ended without writing %q:\n%s", want, s.String())
		case <-time.After(2 * time.Minute):
			t.Fatalf("nothing written for two minutes while awaiting %q:\n%s", want, s.String())
		}
	}
}

// serveRun is `kiln serve` running in-process until stop.
type serveRun struct {
	out, log *syncBuffer // stdout and stderr
	cancel   context.CancelFunc
	exited   chan struct{}
	err      error // once exited is closed
}

func startServeInProcess(t *testing.T, args ...string) *serveRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serveRun{out: newSyncBuffer(), log: newSyncBuffer(), cancel: cancel, exited: make(chan struct{})}
	cmd := rootCmd()
	cmd.SetArgs(append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json", "--ocr", "off", "--workers", "1"}, args...))
	cmd.SetOut(s.out)
	cmd.SetErr(s.log)
	go func() {
		defer close(s.exited)
		s.err = cmd.ExecuteContext(ctx)
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

// stop stops the server as a signal does and returns its error.
func (s *serveRun) stop() error {
	s.cancel()
	<-s.exited
	return s.err
}

// addr is the address the server listens on, from its log.
func (s *serveRun) addr(t *testing.T) string {
	t.Helper()
	for line := range strings.Lines(s.log.await(t, `"msg":"kiln serving"`, s.exited)) {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "kiln serving" {
			return rec.Addr
		}
	}
	t.Fatalf("no address in the log:\n%s", s.log)
	return ""
}

// TestServeAddressInUse starts a second kiln serve on the address and
// data of a running one: it must fail, and leave the running server's
// development key alone.
func TestServeAddressInUse(t *testing.T) {
	data := t.TempDir()
	first := startServeInProcess(t, "--data", data)
	addr := first.addr(t)
	key := printedDevKey(t, first.out.await(t, "export KILN_KEY=", first.exited))

	second := startServeInProcess(t, "--data", data, "--addr", addr)
	for exited := false; !exited; {
		serving, changed := second.log.has(`"msg":"kiln serving"`)
		if serving {
			t.Fatalf("a second kiln serve on %s says it serves:\n%s", addr, second.log)
		}
		select {
		case <-second.exited:
			exited = true
		case <-changed:
		}
	}
	if second.err == nil || !strings.Contains(second.err.Error(), "address already in use") || !strings.Contains(second.err.Error(), "--addr") {
		t.Fatalf("kiln serve on an address in use: %v, want an error naming --addr and the address in use", second.err)
	}
	if out := second.out.String(); strings.Contains(out, "KILN_KEY") {
		t.Errorf("the kiln serve that could not listen printed a development key:\n%s", out)
	}
	if strings.Contains(second.log.String(), "kiln serving") {
		t.Errorf("the kiln serve that could not listen logged that it serves:\n%s", second.log)
	}
	req, err := http.NewRequest("GET", "http://"+addr+"/fhir/default/Patient", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the running server's development key answers %d after a failed second start, want 200", resp.StatusCode)
	}
	if err := first.stop(); err != nil {
		t.Errorf("kiln serve: %v", err)
	}
}

// TestServeStoppedWhileStarting: a signal before kiln serve serves (here,
// before it even opens the store) stops it without an error.
func TestServeStoppedWhileStarting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cmd := rootCmd()
	cmd.SetArgs([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-format", "json"})
	log := newSyncBuffer()
	cmd.SetOut(io.Discard)
	cmd.SetErr(log)
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatalf("kiln serve stopped while starting: %v, want no error", err)
	}
	if !strings.Contains(log.String(), "stopped while starting") {
		t.Errorf("kiln serve did not log that it stopped while starting:\n%s", log)
	}
}

// TestServeShutdownFinishesRequests stops kiln serve while a request is
// half sent: the request is answered, then serve returns without error.
func TestServeShutdownFinishesRequests(t *testing.T) {
	s := startServeInProcess(t, "--data", t.TempDir(), "--workers", "2")
	addr := s.addr(t)
	key := printedDevKey(t, s.out.await(t, "export KILN_KEY=", s.exited))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"resourceType":"Patient","name":[{"family":"Inflight"}]}`
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /fhir/default/Patient HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/fhir+json\r\nContent-Length: %d\r\n\r\n%s",
		addr, key, len(body), body[:half])
	// The server accepts connections in order: once a later one is
	// answered, this one is the server's, and Shutdown waits for it.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	s.log.await(t, `"msg":"shutting down"`, s.exited)
	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatal(err)
	}
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight at shutdown got no response: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("the request in flight at shutdown answered %d, want 201", resp.StatusCode)
	}
	if err := <-stopped; err != nil {
		t.Errorf("kiln serve after shutdown: %v, want no error", err)
	}
}

func TestServeWorkersFlag(t *testing.T) {
	var out bytes.Buffer
	cmd := rootCmd()
	cmd.SetArgs([]string{"serve", "--help"})
	cmd.SetOut(&out)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "--workers int") {
		t.Errorf("kiln serve --help does not show --workers as taking a number:\n%s", out.String())
	}
	data := t.TempDir()
	if err := executeServe(t, 20*time.Second, "--workers", "-1", "--data", data); err == nil || !strings.Contains(err.Error(), "--workers") {
		t.Errorf("kiln serve --workers -1: %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(data, "kiln.db")); err == nil {
		t.Error("the refused serve created a database")
	}
}

// TestServeBinaryLogsAndSignals runs the built binary as an operator does
// (without cgo, as `CGO_ENABLED=0 go build` makes it, so without OCR):
// every line it logs with --log-format json is JSON, and SIGTERM stops it
// with exit status 0 after its workers.
func TestServeBinaryLogsAndSignals(t *testing.T) {
	bin := buildKilnWith(t, "CGO_ENABLED=0")
	srv := startServe(t, bin, "--addr", freeAddr(t), "--data", t.TempDir(), "--workers", "2", "--log-format", "json")
	srv.devKey(t, 2*time.Minute)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("kiln serve exited with status %d after SIGTERM, want 0", code)
	}
	out, err := os.ReadFile(srv.out)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		// stdout (the development key's lines) and stderr share the file.
		if line == "" || strings.HasPrefix(line, "Development API key") || strings.Contains(line, "KILN_KEY") {
			continue
		}
		var rec struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line is not JSON: %q", line)
			continue
		}
		msgs = append(msgs, rec.Msg)
	}
	for _, want := range []string{"OCR is unavailable: scanned pages and images will fail their Task", "kiln serving", "shutting down"} {
		found := false
		for _, m := range msgs {
			found = found || m == want
		}
		if !found {
			t.Errorf("no JSON log record %q in %q", want, msgs)
		}
	}
}
