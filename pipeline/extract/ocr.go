package extract

import (
	"context"
	"errors"
)

// OCR reads the text in an image. Implementations must be safe for
// concurrent use.
type OCR interface {
	// Text returns the text in image, an encoded PNG, JPEG or single-page
	// TIFF that Extract has already sniffed and checked against the pixel
	// limit. It should give up when ctx is done.
	Text(ctx context.Context, image []byte) (string, error)
}

// ocrPage runs the configured OCR on one page image.
func (e *Extractor) ocrPage(ctx context.Context, img []byte, page int) (string, *Error) {
	if err := ctxError(ctx); err != nil {
		return "", err
	}
	text, err := e.opts.OCR.Text(ctx, img)
	if err != nil {
		var xe *Error
		if errors.As(err, &xe) {
			return "", xe
		}
		if ce := ctxError(ctx); ce != nil {
			return "", ce
		}
		return "", wrapError(CodeOCRUnavailable, err, "OCR failed on page %d", page)
	}
	return text, nil
}
