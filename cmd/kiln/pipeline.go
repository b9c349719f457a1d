package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/profile"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/blob"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/pipeline/document"
	"github.com/kiln-health/kiln/pipeline/egress"
	"github.com/kiln-health/kiln/pipeline/extract"
	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/phi/comprehend"
	"github.com/kiln-health/kiln/pipeline/vault"
	"github.com/kiln-health/kiln/pipeline/worker"
	"github.com/kiln-health/kiln/profiles"
	"github.com/kiln-health/kiln/server"
)

// pipelineFlags configure the document pipeline, in kiln serve and kiln worker.
type pipelineFlags struct {
	chrFlags
	blob          string
	keks          string
	keepOriginals bool
	ocr           string
	// comprehendRegion turns on AWS Comprehend Medical as a second PHI
	// detector (credentials from the default AWS chain).
	comprehendRegion string
}

func (f *pipelineFlags) register(fs *pflag.FlagSet) {
	f.chrFlags.register(fs)
	fs.StringVar(&f.blob, "blob", "", "blob store for uploaded documents: a directory or file:///path, or s3://bucket/prefix?region=…; default: <data>/blobs [KILN_BLOB]")
	fs.StringVar(&f.keks, "vault-keks", "", "key-encryption keys of the re-identification vault, \"id:base64(32 bytes),…\" (the last is current); development generates one [KILN_VAULT_KEKS]")
	fs.StringVar(&f.comprehendRegion, "comprehend-medical-region", "", "also detect PHI with AWS Comprehend Medical in this region: sends document text to AWS, for tenants whose egress policy allows aws-comprehend-medical to receive phi (off by default) [KILN_COMPREHEND_MEDICAL_REGION]")
	fs.BoolVar(&f.keepOriginals, "keep-originals", false, "keep original attachments after a successful redaction (default: remove them) [KILN_KEEP_ORIGINALS]")
	fs.StringVar(&f.ocr, "ocr", "auto", "OCR of scanned pages and images with Tesseract: on, off, or auto (on when this build has Tesseract) [KILN_OCR]")
}

func init() {
	envTwins["vault-keks"] = "KILN_VAULT_KEKS"
	envTwins["blob"] = "KILN_BLOB"
	envTwins["comprehend-medical-region"] = "KILN_COMPREHEND_MEDICAL_REGION"
	envTwins["keep-originals"] = "KILN_KEEP_ORIGINALS"
	envTwins["ocr"] = "KILN_OCR"
	envTwins["workers"] = "KILN_WORKERS"
	envTwins["concurrency"] = "KILN_WORKER_CONCURRENCY"
	envTwins["lease"] = "KILN_WORKER_LEASE"
}

// devKEKRecord keeps the development vault KEK. Keeping a key-encryption
// key beside the data it protects defeats its purpose, so production
// refuses to run without --vault-keks.
const devKEKRecord = "vault-dev-kek"

// wrapper returns the vault's key wrapper.
func (f *pipelineFlags) wrapper(ctx context.Context, st store.Store, production bool) (vault.KeyWrapper, error) {
	if f.keks != "" {
		return vault.ParseKEKs(f.keks)
	}
	if production {
		return nil, errors.New("KILN_ENV=production needs --vault-keks (KILN_VAULT_KEKS): the vault's key-encryption keys must not live in its database")
	}
	r, err := st.GetRecord(ctx, "", "secret", devKEKRecord)
	if errors.Is(err, store.ErrNotFound) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		r = store.Record{Kind: "secret", Key: devKEKRecord, Value: []byte("dev:" + base64.StdEncoding.EncodeToString(key))}
		if err := st.InsertRecord(ctx, r); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		if r, err = st.GetRecord(ctx, "", "secret", devKEKRecord); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return vault.ParseKEKs(string(r.Value))
}

// blobSecretRecord keeps the key that signs the local blob store's
// presigned URLs (every server and worker of one database shares it).
const blobSecretRecord = "blob-presign"

// blobs opens the blob store; publicURL is where /blob/ is served.
func (f *pipelineFlags) blobs(ctx context.Context, st store.Store, sf storageFlags, publicURL string) (blob.Store, error) {
	where := f.blob
	if where == "" {
		where = filepath.Join(sf.dataDir, "blobs")
	}
	secret, err := sharedSecret(ctx, st, blobSecretRecord)
	if err != nil {
		return nil, err
	}
	return blob.Open(ctx, where, blob.WithLocalOptions(blob.LocalOptions{PublicURL: publicURL, Secret: secret}))
}

// sharedSecret returns a random 32-byte secret kept in the store under
// name, made by whichever process needs it first.
func sharedSecret(ctx context.Context, st store.Store, name string) ([]byte, error) {
	r, err := st.GetRecord(ctx, "", "secret", name)
	if errors.Is(err, store.ErrNotFound) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := st.InsertRecord(ctx, store.Record{Kind: "secret", Key: name, Value: key}); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		r, err = st.GetRecord(ctx, "", "secret", name)
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return r.Value, nil
}

// pipeline is the document pipeline of one process.
type pipeline struct {
	blobs     blob.Store
	proc      *document.Processor
	drafter   *chr.Drafter
	extractor *extract.Extractor
	ocr       *extract.Tesseract
	worker    atomic.Pointer[worker.Worker] // in-process workers, woken when a job is queued
}

// serverConfig adds the pipeline's operations, profiles and blob handler
// to cfg.
func (p *pipeline) serverConfig(cfg server.Config) server.Config {
	cfg.Operations = map[string]server.Operation{
		"reidentify":   {Action: engine.ActionOperation, Run: p.proc.Reidentify, Types: []string{"DocumentReference"}},
		"download-url": {Action: engine.ActionRead, Run: p.proc.DownloadURL, Types: []string{"DocumentReference"}},
	}
	maps.Copy(cfg.Operations, chrOperations(p.drafter))
	cfg.TypeOperations = map[string]server.TypeOperation{
		"DocumentReference/upload-url": {Action: engine.ActionCreate, Run: p.proc.UploadURL},
	}
	cfg.SupportedProfiles = map[string][]string{"Composition": {chr.ProfileURL}}
	if h, ok := p.blobs.(interface{ Handler() http.Handler }); ok {
		cfg.Blobs = h.Handler() // the local store serves its presigned URLs; S3 serves its own
	}
	return cfg
}

// handle runs one job of the pipeline, by kind.
func (p *pipeline) handle(ctx context.Context, job store.Job) error {
	if job.Kind == chr.JobKind {
		return p.drafter.Handle(ctx, job)
	}
	return p.proc.Handle(ctx, job)
}

func (p *pipeline) notify() {
	if w := p.worker.Load(); w != nil {
		w.Notify()
	}
}

func (p *pipeline) Close() {
	p.extractor.Close()
	if p.ocr != nil {
		p.ocr.Close()
	}
}

// newEngine returns an engine whose committed DocumentReferences are
// queued for the pipeline, and the pipeline, which logs to log (nil:
// slog.Default()).
func (f *pipelineFlags) newEngine(ctx context.Context, st store.Store, sf storageFlags, publicURL string, opts engine.Options, production bool, log *slog.Logger) (*engine.Engine, *pipeline, error) {
	if log == nil {
		log = slog.Default()
	}
	v, err := fhir.NewValidator()
	if err != nil {
		return nil, nil, err
	}
	wrapper, err := f.wrapper(ctx, st, production)
	if err != nil {
		return nil, nil, err
	}
	vlt, err := vault.New(st, wrapper, vault.Options{})
	if err != nil {
		return nil, nil, err
	}
	p := &pipeline{}
	if p.blobs, err = f.blobs(ctx, st, sf, strings.TrimSuffix(publicURL, "/")+"/blob"); err != nil {
		return nil, nil, fmt.Errorf("blob store: %w", err)
	}
	xo := extract.Options{}
	switch f.ocr {
	case "on", "auto":
		p.ocr, err = extract.NewTesseract()
		switch {
		case err == nil:
			xo.OCR = p.ocr
		case f.ocr == "on":
			return nil, nil, fmt.Errorf("OCR (--ocr=off turns it off): %w", err)
		default:
			p.ocr = nil
			log.Warn("OCR is unavailable: scanned pages and images will fail their Task", "reason", err.Error())
		}
	case "off":
	default:
		return nil, nil, fmt.Errorf("--ocr %q: want on, off or auto", f.ocr)
	}
	if p.extractor, err = extract.New(xo); err != nil {
		return nil, nil, err
	}
	builtin, err := phi.NewBuiltin()
	if err != nil {
		return nil, nil, err
	}
	var cm *comprehend.Detector
	if f.comprehendRegion != "" {
		client, err := comprehend.Load(ctx, f.comprehendRegion)
		if err != nil {
			return nil, nil, fmt.Errorf("comprehend medical: %w", err)
		}
		cm = comprehend.New(client, comprehend.Options{MinScore: 0.5, NotPHIPlace: builtin.NotPHIPlace})
	}
	opts.Audit = true
	profileSet, err := profile.Load(profiles.FS)
	if err != nil {
		return nil, nil, fmt.Errorf("profiles: %w", err)
	}
	opts.Rules = map[string]engine.Rule{"Composition": chr.Rule(profileSet)}
	var grounding *chr.StoreGrounding
	opts.Committed = func(ctx context.Context, tenant string, written []store.Resource) {
		// A deleted redaction takes its grounding chunks with it.
		for _, r := range written {
			if r.Deleted && r.Type == "DocumentReference" {
				if err := grounding.Delete(context.WithoutCancel(ctx), tenant, r.ID); err != nil {
					log.Error("chunks of a deleted document not deleted", "tenant", tenant, "document", r.ID, "error", err.Error())
				}
			}
		}
	}
	document.Attach(&opts, func() *document.Processor { return p.proc })
	eng := engine.New(st, v, opts)
	gate := egress.NewGate(st, eng)
	var det phi.Detector = builtin
	if cm != nil {
		// The document's raw text goes to AWS only for tenants whose egress
		// policy lets aws-comprehend-medical receive PHI.
		det = phi.Combine("builtin+comprehend-medical", builtin, gate.Detector("aws-comprehend-medical", cm))
	}
	drafter, g, err := f.drafter(eng, st, gate, p.notify, log)
	if err != nil {
		return nil, nil, err
	}
	p.drafter, grounding = drafter, g
	p.proc = document.New(eng, st, p.extractor, det, vlt, document.Options{KeepOriginals: f.keepOriginals, Queued: p.notify, Blobs: p.blobs, Log: log,
		Redacted: func(ctx context.Context, tenant string, r document.Redaction) error {
			// Ground the redacted text for the patient's CHR, then queue the
			// patient's automatic draft (one job per patient, however many
			// documents arrive together).
			patient, ok := strings.CutPrefix(r.Patient, "Patient/")
			if !ok {
				return nil
			}
			if err := grounding.Index(ctx, tenant, patient, strings.TrimPrefix(r.Document, "DocumentReference/"), r.Text); err != nil {
				return err
			}
			if !f.autoDraft {
				return nil
			}
			return drafter.DocumentsChanged(ctx, tenant, patient)
		}})
	return eng, p, nil
}

// startWorkers runs n workers of the pipeline, with the default lease,
// until ctx ends.
func startWorkers(ctx context.Context, st store.Store, p *pipeline, n int, log *slog.Logger) (*worker.Worker, <-chan error, error) {
	return startWorkersWith(ctx, st, p, worker.Options{Concurrency: n, Log: log})
}

// startWorkersWith runs the pipeline's workers configured by opts (their
// Kinds are the pipeline's) until ctx ends.
func startWorkersWith(ctx context.Context, st store.Store, p *pipeline, opts worker.Options) (*worker.Worker, <-chan error, error) {
	opts.Kinds = []string{document.JobKind, chr.JobKind}
	w, err := worker.New(st, p.handle, opts)
	if err != nil {
		return nil, nil, err
	}
	p.worker.Store(w)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	go p.reconcile(ctx, st, opts.Log)
	return w, done, nil
}

// reconcileEvery is how often workers look for documents whose Task was
// committed but whose job was never queued (a crash in between).
const reconcileEvery = time.Minute

// reconcile queues, now and every reconcileEvery until ctx ends, the
// documents of every tenant that have waited a minute with no job.
func (p *pipeline) reconcile(ctx context.Context, st store.Store, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(reconcileEvery)
	defer t.Stop()
	for {
		tenants, err := st.Tenants(ctx)
		for _, tenant := range tenants {
			if err != nil {
				break
			}
			_, err = p.proc.Reconcile(ctx, tenant, reconcileEvery)
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("document reconciliation failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func workerCmd() *cobra.Command {
	var (
		sf          storageFlags
		pf          pipelineFlags
		env         string
		publicURL   string
		concurrency int
		lease       time.Duration
		logFormat   string
		logLevel    string
	)
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run document pipeline workers (queued jobs: extraction, PHI redaction) until interrupted",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			if lease <= 0 {
				return fmt.Errorf("--lease %s: want a positive duration", lease)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			st, err := sf.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			_, p, err := pf.newEngine(ctx, st, sf, publicURL, engine.Options{}, env == "production", log)
			if err != nil {
				return err
			}
			defer p.Close()
			w, done, err := startWorkersWith(ctx, st, p, worker.Options{Concurrency: concurrency, Lease: lease, Log: log})
			if err != nil {
				return err
			}
			log.Info("kiln worker running", "worker", w.ID(), "concurrency", concurrency, "lease", lease, "backend", st.Backend())
			return <-done
		},
	}
	fs := cmd.Flags()
	sf.register(fs)
	pf.register(fs)
	fs.StringVar(&env, "env", "development", "development or production [KILN_ENV]")
	fs.StringVar(&publicURL, "base-url", "http://localhost:8080", "the server's public URL, for the blob store's presigned URLs [KILN_BASE_URL]")
	fs.IntVar(&concurrency, "concurrency", 2, "jobs run at once [KILN_WORKER_CONCURRENCY]")
	fs.DurationVar(&lease, "lease", worker.DefaultLease, "how long a claimed job stays this worker's without a heartbeat (renewed every third of it): a crashed worker's jobs run elsewhere after at most this long [KILN_WORKER_LEASE]")
	fs.StringVar(&logFormat, "log-format", "json", "log format: json or text [KILN_LOG_FORMAT]")
	fs.StringVar(&logLevel, "log-level", "info", "log level [KILN_LOG_LEVEL]")
	return cmd
}
