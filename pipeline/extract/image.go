package extract

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
)

// readImage OCRs a PNG, JPEG or TIFF (every page of a multi-page TIFF, as
// faxed records often are). Dimensions come from the headers and are checked
// before anything is decoded; PNG and JPEG are then decoded once in Go so a
// damaged file is reported as such, since Tesseract's image reader would
// only log the damage and return no text.
func (e *Extractor) readImage(ctx context.Context, typ string, data []byte) ([]pageText, []string, *Error) {
	if e.opts.OCR == nil {
		return nil, nil, newError(CodeOCRUnavailable, "OCR is disabled, so %s images cannot be read", typ)
	}
	if typ == TypeTIFF {
		return e.readTIFF(ctx, data)
	}
	decodeConfig, decode := png.DecodeConfig, png.Decode
	if typ == TypeJPEG {
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, nil, wrapError(CodeCorrupt, err, "damaged %s header", typ)
	}
	if err := e.checkPixels(cfg.Width, cfg.Height, 1); err != nil {
		return nil, nil, err
	}
	if _, err := decode(bytes.NewReader(data)); err != nil {
		return nil, nil, wrapError(CodeCorrupt, err, "damaged %s image", typ)
	}
	text, xerr := e.ocrPage(ctx, data, 1)
	if xerr != nil {
		return nil, nil, xerr
	}
	return []pageText{{text: text, ocr: true}}, nil, nil
}

func (e *Extractor) readTIFF(ctx context.Context, data []byte) ([]pageText, []string, *Error) {
	t, err := parseTIFF(data, e.opts.MaxPages)
	if err != nil {
		return nil, nil, err
	}
	for i, p := range t.pages {
		if err := e.checkPixels(p.width, p.height, i+1); err != nil {
			return nil, nil, err
		}
	}
	pages := make([]pageText, 0, len(t.pages))
	for i := range t.pages {
		text, err := e.ocrPage(ctx, t.page(i), i+1)
		if err != nil {
			return nil, nil, err
		}
		pages = append(pages, pageText{text: text, ocr: true})
	}
	return pages, nil, nil
}

// checkPixels applies MaxImagePixels to an image or page.
func (e *Extractor) checkPixels(w, h, page int) *Error {
	if w <= 0 || h <= 0 {
		return newError(CodeCorrupt, "page %d has an invalid size %d×%d", page, w, h)
	}
	if px := int64(w) * int64(h); px > e.opts.MaxImagePixels {
		return newError(CodeTooLarge, "page %d is %d×%d pixels (%s), over the %s limit", page, w, h, mpx(px), mpx(e.opts.MaxImagePixels))
	}
	return nil
}

func mpx(px int64) string { return fmt.Sprintf("%.1f Mpx", float64(px)/1e6) }

// grayPNG encodes a rendered page for OCR. Fast compression: the bytes only
// travel to Tesseract in the same process.
func grayPNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
