package blob

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// A Local object is one file: the object's bytes, then a JSON trailer with
// its metadata, then the trailer's length and a magic number. Keeping the
// metadata in the same file means one rename publishes bytes and metadata
// together, so an overwrite can never pair new bytes with old metadata;
// putting it after the bytes means Put can stream and hash in one pass,
// and the file still starts with the object as uploaded.
const (
	trailerMagic  = "KILNBLB1"
	trailerFooter = 8 + len(trailerMagic) // big-endian length, then magic
	maxTrailerLen = 4 << 10
)

// localMeta is the JSON trailer.
type localMeta struct {
	Version     int    `json:"v"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
}

// writeTrailer appends the metadata trailer after the object's bytes.
func writeTrailer(w io.Writer, m localMeta) error {
	js, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode metadata: %w", err)
	}
	var buf bytes.Buffer
	buf.Write(js)
	_ = binary.Write(&buf, binary.BigEndian, uint64(len(js)))
	buf.WriteString(trailerMagic)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write metadata: %w", err)
	}
	return nil
}

// readTrailer reads the metadata of a file of fileSize bytes and checks it
// agrees with the file's length, so a truncated or foreign file is
// reported as corrupt rather than served.
func readTrailer(r io.ReaderAt, fileSize int64) (localMeta, error) {
	if fileSize < int64(trailerFooter) {
		return localMeta{}, fmt.Errorf("corrupt object: %d bytes is too short", fileSize)
	}
	footer := make([]byte, trailerFooter)
	if _, err := r.ReadAt(footer, fileSize-int64(trailerFooter)); err != nil {
		return localMeta{}, fmt.Errorf("read metadata footer: %w", err)
	}
	if string(footer[8:]) != trailerMagic {
		return localMeta{}, fmt.Errorf("corrupt object: bad magic")
	}
	n := binary.BigEndian.Uint64(footer[:8])
	if n > maxTrailerLen || int64(n) > fileSize-int64(trailerFooter) {
		return localMeta{}, fmt.Errorf("corrupt object: metadata length %d", n)
	}
	js := make([]byte, n)
	start := fileSize - int64(trailerFooter) - int64(n)
	if _, err := r.ReadAt(js, start); err != nil {
		return localMeta{}, fmt.Errorf("read metadata: %w", err)
	}
	var m localMeta
	if err := json.Unmarshal(js, &m); err != nil {
		return localMeta{}, fmt.Errorf("corrupt object: metadata: %w", err)
	}
	if m.Version != 1 || m.Size != start {
		return localMeta{}, fmt.Errorf("corrupt object: metadata v%d says %d bytes, file holds %d", m.Version, m.Size, start)
	}
	return m, nil
}
