package blob

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Handler serves presigned GET, HEAD and PUT requests for the store. Mount
// it at the path of PublicURL without stripping the prefix, e.g.
// mux.Handle("/blob/", local.Handler()) for PublicURL
// "http://host/blob". It answers only requests whose signature verifies;
// it never lists directories and never serves a file that is not an
// object.
func (l *Local) Handler() http.Handler {
	return http.HandlerFunc(l.serveHTTP)
}

func (l *Local) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Attachments hold PHI: never cache them, never leak the signed URL
	// through Referer, never let a browser sniff a type.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")

	base := "/"
	if l.publicURL != nil {
		base = l.publicURL.Path + "/"
	}
	key, ok := strings.CutPrefix(r.URL.Path, base)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPut {
		h.Set("Allow", "GET, HEAD, PUT")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	g, err := l.verify(r.Method, key, r.URL.Query())
	switch {
	case errors.Is(err, ErrInvalidKey):
		http.NotFound(w, r)
		return
	case err != nil:
		http.Error(w, "forbidden: "+reason(err), http.StatusForbidden)
		return
	}
	if g.method == http.MethodPut {
		l.servePut(w, r, key, g)
		return
	}
	l.serveGet(w, r, key)
}

func (l *Local) serveGet(w http.ResponseWriter, r *http.Request, key string) {
	rc, obj, err := l.Get(r.Context(), key)
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "cannot read object", http.StatusInternalServerError)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", obj.ContentType)
	// Served from the API's own origin, so an uploaded HTML or SVG file
	// must never render: force a download and sandbox it besides.
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(key)}))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("ETag", `"`+obj.SHA256+`"`)
	http.ServeContent(w, r, "", obj.Modified, rc.(io.ReadSeeker))
}

func (l *Local) servePut(w http.ResponseWriter, r *http.Request, key string, g grant) {
	if g.contentType != "" && r.Header.Get("Content-Type") != g.contentType {
		http.Error(w, fmt.Sprintf("forbidden: Content-Type must be %q", g.contentType), http.StatusForbidden)
		return
	}
	// Refuse a declared oversize before reading a byte; a chunked body
	// (ContentLength -1) is cut off by put's limit instead.
	if r.ContentLength > g.maxSize {
		http.Error(w, fmt.Sprintf("body larger than %d bytes", g.maxSize), http.StatusRequestEntityTooLarge)
		return
	}
	ct := g.contentType
	if ct == "" {
		ct = r.Header.Get("Content-Type")
	}
	obj, err := l.put(r.Context(), key, r.Body, r.ContentLength, g.maxSize, ct)
	switch {
	case errors.Is(err, ErrTooLarge):
		http.Error(w, fmt.Sprintf("body larger than %d bytes", g.maxSize), http.StatusRequestEntityTooLarge)
		return
	case errors.Is(err, ErrSizeMismatch), errors.Is(err, ErrInvalidContentType):
		http.Error(w, reason(err), http.StatusBadRequest)
		return
	case errors.Is(err, io.ErrUnexpectedEOF):
		http.Error(w, "body shorter than Content-Length", http.StatusBadRequest)
		return
	case err != nil:
		http.Error(w, "cannot store object", http.StatusInternalServerError)
		return
	}
	w.Header().Set("ETag", `"`+obj.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
}

// reason is the sentinel's message without the "blob: " prefix, safe to
// show a client: it names the rule broken but no path or internal detail.
func reason(err error) string {
	for _, s := range []error{ErrExpired, ErrBadSignature, ErrPresign, ErrSizeMismatch, ErrInvalidContentType} {
		if errors.Is(err, s) {
			return strings.TrimPrefix(s.Error(), "blob: ")
		}
	}
	return "request refused"
}
