package extract

import (
	"encoding/binary"
)

// TIFF tags the structural check reads.
const (
	tiffImageWidth      = 256
	tiffImageLength     = 257
	tiffStripOffsets    = 273
	tiffStripByteCounts = 279
	tiffTileOffsets     = 324
	tiffTileByteCounts  = 325
)

// tiffFile is a TIFF's page directory, read without decoding any pixels.
type tiffFile struct {
	data  []byte
	order binary.ByteOrder
	pages []tiffPage
}

type tiffPage struct {
	ifd           uint32
	width, height int
}

// parseTIFF walks the chain of image file directories: it counts pages
// (refusing more than maxPages before any OCR), reads each page's size, and
// checks that every strip or tile lies inside the file. Tesseract's reader
// (libtiff through Leptonica) only logs damage and returns nothing, so
// damage has to be found here.
func parseTIFF(data []byte, maxPages int) (*tiffFile, *Error) {
	if len(data) < 8 {
		return nil, newError(CodeCorrupt, "damaged TIFF: header is truncated")
	}
	t := &tiffFile{data: data, order: binary.LittleEndian}
	if data[0] == 'M' {
		t.order = binary.BigEndian
	}
	seen := map[uint32]bool{}
	for off := t.order.Uint32(data[4:8]); off != 0; {
		if seen[off] {
			return nil, newError(CodeCorrupt, "damaged TIFF: its directories form a loop")
		}
		seen[off] = true
		if len(t.pages) == maxPages {
			return nil, newError(CodeTooManyPages, "TIFF has more than %d pages", maxPages)
		}
		page, next, err := t.readIFD(off)
		if err != nil {
			return nil, err
		}
		t.pages = append(t.pages, page)
		off = next
	}
	if len(t.pages) == 0 {
		return nil, newError(CodeCorrupt, "damaged TIFF: no image directory")
	}
	return t, nil
}

func (t *tiffFile) readIFD(off uint32) (tiffPage, uint32, *Error) {
	d := t.data
	truncated := newError(CodeCorrupt, "damaged TIFF: page %d's directory lies outside the file", len(t.pages)+1)
	if uint64(off)+2 > uint64(len(d)) {
		return tiffPage{}, 0, truncated
	}
	n := uint64(t.order.Uint16(d[off:]))
	end := uint64(off) + 2 + 12*n
	if end+4 > uint64(len(d)) {
		return tiffPage{}, 0, truncated
	}
	page := tiffPage{ifd: off}
	var offsets, counts []uint64
	for i := range n {
		e := d[uint64(off)+2+12*i:]
		tag := t.order.Uint16(e)
		vals, ok := t.values(e)
		if !ok {
			return tiffPage{}, 0, truncated
		}
		switch tag {
		case tiffImageWidth:
			page.width = firstInt(vals)
		case tiffImageLength:
			page.height = firstInt(vals)
		case tiffStripOffsets, tiffTileOffsets:
			offsets = vals
		case tiffStripByteCounts, tiffTileByteCounts:
			counts = vals
		}
	}
	if len(offsets) == 0 || len(offsets) != len(counts) {
		return tiffPage{}, 0, newError(CodeCorrupt, "damaged TIFF: page %d has no consistent strip or tile table", len(t.pages)+1)
	}
	for i := range offsets {
		if offsets[i]+counts[i] > uint64(len(d)) {
			return tiffPage{}, 0, newError(CodeCorrupt, "damaged TIFF: page %d's image data is truncated", len(t.pages)+1)
		}
	}
	return page, t.order.Uint32(d[end:]), nil
}

// values reads a SHORT or LONG entry's values, inline or at their offset;
// other types are returned empty (ok) because no checked tag uses them.
func (t *tiffFile) values(e []byte) ([]uint64, bool) {
	typ, count := t.order.Uint16(e[2:]), uint64(t.order.Uint32(e[4:]))
	size := uint64(0)
	switch typ {
	case 3: // SHORT
		size = 2
	case 4: // LONG
		size = 4
	default:
		return nil, true
	}
	if count > uint64(len(t.data))/size {
		return nil, false
	}
	raw := e[8:12]
	if count*size > 4 {
		at := uint64(t.order.Uint32(e[8:]))
		if at+count*size > uint64(len(t.data)) {
			return nil, false
		}
		raw = t.data[at : at+count*size]
	}
	vals := make([]uint64, count)
	for i := range vals {
		if size == 2 {
			vals[i] = uint64(t.order.Uint16(raw[2*i:]))
		} else {
			vals[i] = uint64(t.order.Uint32(raw[4*i:]))
		}
	}
	return vals, true
}

func firstInt(v []uint64) int {
	if len(v) == 0 || v[0] > 1<<30 {
		return 0
	}
	return int(v[0])
}

// page returns a TIFF whose first directory is page i. Readers that take the
// first page only (Leptonica's from-memory reader) then read page i; the
// rest of the bytes are shared unchanged, so offsets stay valid.
func (t *tiffFile) page(i int) []byte {
	if i == 0 {
		return t.data
	}
	b := make([]byte, len(t.data))
	copy(b, t.data)
	t.order.PutUint32(b[4:8], t.pages[i].ifd)
	return b
}
