package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"time"
)

// LocalOptions configures a Local store. Only presigning needs PublicURL
// and Secret; a store without them still stores and reads objects.
type LocalOptions struct {
	// PublicURL is where Handler is reachable from clients, e.g.
	// "http://localhost:8080/blob"; presigned URLs are PublicURL/<key>?….
	PublicURL string
	// Secret is the HMAC-SHA-256 key presigned URLs are signed with: at
	// least 32 random bytes, shared by every server behind PublicURL.
	Secret []byte
	// Now is the clock presigned URLs expire by; time.Now when nil.
	Now func() time.Time
	// MaxSize bounds every object; DefaultMaxSize when zero.
	MaxSize int64
}

// minSecretLen is the shortest HMAC key accepted: the hash's output size.
const minSecretLen = 32

// Local keeps objects as files under one directory, one file per key at
// the key's path. All file access goes through os.Root, so even a key that
// slipped past ValidateKey, or a symlink planted in the directory, cannot
// reach outside it.
type Local struct {
	dir       string
	publicURL *url.URL
	secret    []byte
	now       func() time.Time
	maxSize   int64
}

var _ Store = (*Local)(nil)

// NewLocal opens (creating if needed) a Local store rooted at dir.
func NewLocal(dir string, opts LocalOptions) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: local dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create local dir: %w", err)
	}
	l := &Local{dir: abs, now: opts.Now, maxSize: opts.MaxSize}
	if l.now == nil {
		l.now = time.Now
	}
	if l.maxSize <= 0 {
		l.maxSize = DefaultMaxSize
	}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("blob: public URL %q must be an http(s) URL without query", opts.PublicURL)
		}
		u.Path = trimSlash(u.Path)
		u.RawPath = ""
		l.publicURL = u
	}
	if len(opts.Secret) > 0 {
		if len(opts.Secret) < minSecretLen {
			return nil, fmt.Errorf("blob: presign secret is %d bytes, need at least %d", len(opts.Secret), minSecretLen)
		}
		l.secret = append([]byte(nil), opts.Secret...)
	}
	root, err := l.root()
	if err != nil {
		return nil, err
	}
	_ = root.Close()
	return l, nil
}

// Dir is the directory objects are stored under.
func (l *Local) Dir() string { return l.dir }

// root opens the store's directory for one operation. Opening per
// operation costs one open(2) and spares Local a Close method.
func (l *Local) root() (*os.Root, error) {
	r, err := os.OpenRoot(l.dir)
	if err != nil {
		return nil, fmt.Errorf("blob: open local dir: %w", err)
	}
	return r, nil
}

// Put implements Store. The object is written to a temporary file beside
// its final path, synced, and renamed into place, so readers see the old
// object or the new one, never a partial write, and a failed Put leaves
// nothing behind.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Object, error) {
	return l.put(ctx, key, r, size, l.maxSize, contentType)
}

func (l *Local) put(ctx context.Context, key string, r io.Reader, size, maxSize int64, contentType string) (Object, error) {
	if err := ValidateKey(key); err != nil {
		return Object{}, fmt.Errorf("put: %w", err)
	}
	if err := checkContentType(contentType); err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := checkSize(size, maxSize); err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	root, err := l.root()
	if err != nil {
		return Object{}, err
	}
	defer root.Close()

	dir := filepath.FromSlash(path.Dir(key))
	if err := root.MkdirAll(dir, 0o700); err != nil {
		return Object{}, fmt.Errorf("put %s: create directory: %w", key, err)
	}
	tmp, f, err := createTemp(root, dir)
	if err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	published := false
	defer func() {
		if !published {
			_ = f.Close()
			_ = root.Remove(tmp)
		}
	}()

	n, sum, err := copyExact(f, ctxReader{ctx, r}, size, maxSize)
	if err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	meta := localMeta{Version: 1, Size: n, ContentType: contentTypeOr(contentType), SHA256: sum}
	if err := writeTrailer(f, meta); err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return Object{}, fmt.Errorf("put %s: sync: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return Object{}, fmt.Errorf("put %s: close: %w", key, err)
	}
	if err := root.Rename(tmp, filepath.FromSlash(key)); err != nil {
		return Object{}, fmt.Errorf("put %s: publish: %w", key, err)
	}
	published = true
	// Sync the directory so the rename survives a crash; without it an
	// acknowledged upload could vanish on power loss.
	if err := syncDir(root, dir); err != nil {
		return Object{}, fmt.Errorf("put %s: %w", key, err)
	}
	return Object{Key: key, Size: n, ContentType: meta.ContentType, SHA256: sum, Modified: fi.ModTime()}, nil
}

// createTemp creates a new, private temporary file in dir. Its name starts
// with a dot, which no valid key segment does, so it can never be mistaken
// for (or collide with) an object.
func createTemp(root *os.Root, dir string) (string, *os.File, error) {
	for range 10 {
		var b [12]byte
		_, _ = rand.Read(b[:])
		name := filepath.Join(dir, ".tmp-"+hex.EncodeToString(b[:]))
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("create temporary file: %w", err)
		}
		return name, f, nil
	}
	return "", nil, fmt.Errorf("create temporary file: too many collisions")
}

func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory for sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// Get implements Store.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	f, obj, err := l.open(ctx, key)
	if err != nil {
		return nil, Object{}, fmt.Errorf("get: %w", err)
	}
	return &localReader{SectionReader: io.NewSectionReader(f, 0, obj.Size), f: f}, obj, nil
}

// localReader reads an object's bytes, stopping before the trailer. It is
// also an io.ReadSeeker, which Handler hands to http.ServeContent for
// range requests.
type localReader struct {
	*io.SectionReader
	f *os.File
}

func (r *localReader) Close() error { return r.f.Close() }

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, key string) (Object, error) {
	f, obj, err := l.open(ctx, key)
	if err != nil {
		return Object{}, fmt.Errorf("stat: %w", err)
	}
	_ = f.Close()
	return obj, nil
}

// open opens the object's file and reads its metadata. Anything but a
// regular file, such as the directory holding other keys, is not found:
// the store never lists directories.
func (l *Local) open(ctx context.Context, key string) (*os.File, Object, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Object{}, fmt.Errorf("%s: %w", key, err)
	}
	root, err := l.root()
	if err != nil {
		return nil, Object{}, err
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(key))
	if err != nil {
		return nil, Object{}, fmt.Errorf("%s: %w", key, notFound(err))
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, Object{}, fmt.Errorf("%s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, Object{}, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	m, err := readTrailer(f, fi.Size())
	if err != nil {
		_ = f.Close()
		return nil, Object{}, fmt.Errorf("%s: %w", key, err)
	}
	return f, Object{Key: key, Size: m.Size, ContentType: m.ContentType, SHA256: m.SHA256, Modified: fi.ModTime()}, nil
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	root, err := l.root()
	if err != nil {
		return err
	}
	defer root.Close()
	name := filepath.FromSlash(key)
	fi, err := root.Lstat(name)
	if err != nil {
		if errors.Is(notFound(err), ErrNotFound) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if fi.IsDir() {
		return nil // a directory of other keys, not an object
	}
	// Empty parent directories are left behind on purpose: removing them
	// would race with a concurrent Put that has just created one.
	if err := root.Remove(name); err != nil && !errors.Is(notFound(err), ErrNotFound) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// notFound maps "no such file" and "a parent is not a directory" (key
// a/b/c when a/b is an object) to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return ErrNotFound
	}
	return err
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
