//go:build !cgo

package extract

import (
	"context"
	"errors"
)

// Tesseract is the OCR engine. This build has no cgo, so there is no
// libtesseract: NewTesseract fails and Extract runs without OCR.
type Tesseract struct{}

var errNoCgo = errors.New("extract: built without cgo, so Tesseract OCR is unavailable")

// NewTesseract always fails in a build without cgo.
func NewTesseract() (*Tesseract, error) { return nil, errNoCgo }

// Text always fails in a build without cgo.
func (*Tesseract) Text(context.Context, []byte) (string, error) { return "", errNoCgo }

// Close does nothing.
func (*Tesseract) Close() error { return nil }
