//go:build cgo

package extract

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/otiai10/gosseract/v2"
)

// Tesseract is the OCR engine: libtesseract in-process through gosseract,
// English model. Clients are pooled so the language model is loaded once
// per client rather than once per page; the pool size also caps how many
// pages are OCR'd at once.
//
// Each page is read on one thread (see singleThreadOpenMP); throughput
// comes from running pool-size pages at once.
//
// Tesseract cannot be interrupted mid-page. When ctx ends first, Text
// returns at once and the page finishes in the background, still holding
// its client, so abandoned work never exceeds the pool size.
type Tesseract struct {
	clients chan *gosseract.Client // nil entries are clients not created yet

	mu     sync.Mutex
	closed bool
}

// NewTesseract checks that Tesseract and its English model are installed and
// returns a pool of GOMAXPROCS clients, created on first use.
func NewTesseract() (*Tesseract, error) {
	langs, err := gosseract.GetAvailableLanguages()
	if err != nil {
		return nil, fmt.Errorf("extract: list Tesseract languages: %w", err)
	}
	if !slices.Contains(langs, "eng") {
		return nil, errors.New("extract: Tesseract has no English model (install tesseract-ocr-eng)")
	}
	n := runtime.GOMAXPROCS(0)
	t := &Tesseract{clients: make(chan *gosseract.Client, n)}
	for range n {
		t.clients <- nil
	}
	return t, nil
}

// Text OCRs one image.
func (t *Tesseract) Text(ctx context.Context, image []byte) (string, error) {
	var c *gosseract.Client
	select {
	case c = <-t.clients:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if t.isClosed() {
		t.release(c)
		return "", errors.New("extract: Tesseract is closed")
	}
	if c == nil {
		c = gosseract.NewClient()
		err := c.SetLanguage("eng")
		if err == nil {
			err = c.DisableOutput() // Tesseract's progress chatter is not a log line
		}
		if err != nil {
			c.Close()
			t.release(nil)
			return "", fmt.Errorf("extract: tesseract: %w", err)
		}
	}
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer t.release(c)
		runtime.LockOSThread() // singleThreadOpenMP applies per OS thread
		defer runtime.UnlockOSThread()
		singleThreadOpenMP()
		var r result
		if r.err = c.SetImageFromBytes(image); r.err == nil {
			r.text, r.err = c.Text()
		}
		done <- r
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return "", fmt.Errorf("extract: tesseract: %w", r.err)
		}
		return strings.TrimSpace(r.text), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// release returns a client to the pool, or frees it once the pool is
// closed. Holding mu makes release and Close exclusive, so no live client
// slips back in after Close drained the pool; the send never blocks, as
// there are exactly as many slots as the channel holds.
func (t *Tesseract) release(c *gosseract.Client) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed && c != nil {
		c.Close()
		c = nil
	}
	t.clients <- c
}

func (t *Tesseract) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// Close frees the idle clients; clients still busy are freed when their
// page is done. Later calls to Text fail.
func (t *Tesseract) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	// Take every idle slot, free its client, and put the slots back empty
	// so later calls still find one (and learn the pool is closed).
	var idle int
drain:
	for {
		select {
		case c := <-t.clients:
			if c != nil {
				c.Close()
			}
			idle++
		default:
			break drain
		}
	}
	for range idle {
		t.clients <- nil
	}
	return nil
}
