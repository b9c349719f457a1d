package chr

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
)

// Document is $document: the CHR r as a FHIR document Bundle (type
// document): the Composition first, then its subject, attesters and every
// resource its sections reference, each read as the caller (so the caller
// sees only what it may read, and each read is audited). base is the
// tenant's FHIR base URL for fullUrls.
func (d *Drafter) Document(ctx context.Context, tenant, base string, r store.Resource) ([]byte, error) {
	comp, err := fhir.ParseObject(r.Body)
	if err != nil {
		return nil, err
	}
	entries := []any{map[string]any{"fullUrl": base + "/Composition/" + r.ID, "resource": json.RawMessage(r.Body)}}
	seen := map[string]bool{"Composition/" + r.ID: true}
	var refs []string
	refs = append(refs, str(comp, "subject", "reference"))
	for _, a := range list(comp, "attester") {
		refs = append(refs, str(a, "party", "reference"))
	}
	for _, s := range list(comp, "section") {
		for _, e := range list(s, "entry") {
			refs = append(refs, str(e, "reference"))
		}
	}
	for _, ref := range refs {
		typ, id, ok := strings.Cut(ref, "/")
		if !ok || seen[ref] || strings.Contains(id, "/") {
			continue
		}
		seen[ref] = true
		res, err := d.engine.Read(ctx, tenant, typ, id)
		if err != nil {
			if s := fhir.AsError(err).Status; s == http.StatusNotFound || s == http.StatusGone || s == http.StatusForbidden {
				continue // not the caller's to see, or gone: the document omits it
			}
			return nil, err
		}
		entries = append(entries, map[string]any{"fullUrl": base + "/" + ref, "resource": json.RawMessage(res.Body)})
	}
	b := map[string]any{
		"resourceType": "Bundle",
		"identifier":   map[string]any{"system": "urn:ietf:rfc:3986", "value": fmt.Sprintf("urn:kiln:chr:%s:%s:%d", tenant, r.ID, r.Version)},
		"type":         "document",
		"timestamp":    fhir.FormatInstant(d.opts.Now().UTC()),
		"entry":        entries,
	}
	if sec := get(comp, "meta", "security"); sec != nil {
		b["meta"] = map[string]any{"security": sec}
	}
	return json.Marshal(b)
}

// RenderHTML renders a document Bundle from Document for people: a
// self-contained HTML page. Narrative XHTML is re-emitted through an
// allow-list of elements without attributes, so an edited narrative
// cannot inject script or links.
func RenderHTML(bundle []byte) ([]byte, error) {
	var b struct {
		Entry []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil || len(b.Entry) == 0 {
		return nil, errors.New("chr: not a document bundle")
	}
	comp, err := fhir.ParseObject(b.Entry[0].Resource)
	if err != nil {
		return nil, err
	}
	byRef := map[string]fhir.Object{}
	for _, e := range b.Entry[1:] {
		if o, err := fhir.ParseObject(e.Resource); err == nil {
			byRef[o.Type()+"/"+o.ID()] = o
		}
	}
	var w strings.Builder
	esc := html.EscapeString
	title := str(comp, "title")
	w.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>")
	w.WriteString(`<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.45;color:#222}` +
		`h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;margin-top:1.6rem}` +
		`.meta{color:#555}.status{font-weight:bold;text-transform:uppercase}sup{color:#555}` +
		`table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem}</style></head><body>`)
	w.WriteString("<h1>" + esc(title) + "</h1>")
	w.WriteString(`<p class="meta">Status: <span class="status">` + esc(str(comp, "status")) + "</span>")
	w.WriteString(" · Date: " + esc(str(comp, "date")))
	subject := str(comp, "subject", "reference")
	w.WriteString(" · Subject: " + esc(personName(byRef[subject], subject)))
	for _, l := range list(comp, "meta", "security") {
		if str(l, "code") == "REDACTED" {
			w.WriteString(" · Narrative from redacted documents (tokens such as [NAME_1] stand for removed identifiers)")
		}
	}
	w.WriteString("</p>")
	for _, a := range list(comp, "attester") {
		party := str(a, "party", "reference")
		who := personName(byRef[party], party)
		if who == "" {
			who = str(a, "party", "display")
		}
		w.WriteString(`<p class="meta">Signed (` + esc(str(a, "mode")) + ") by " + esc(who) + " at " + esc(str(a, "time")) + "</p>")
	}
	for _, s := range list(comp, "section") {
		w.WriteString("<section><h2>" + esc(str(s, "title")) + "</h2>")
		w.WriteString(sanitizeXHTML(str(s, "text", "div")))
		w.WriteString("</section>")
	}
	w.WriteString("</body></html>\n")
	return []byte(w.String()), nil
}

// personName is a Patient's or Practitioner's first name, else ref.
func personName(o fhir.Object, ref string) string {
	for _, n := range list(o, "name") {
		if t := str(n, "text"); t != "" {
			return t
		}
		var parts []string
		for _, g := range list(n, "given") {
			if s, ok := g.(string); ok {
				parts = append(parts, s)
			}
		}
		if f := str(n, "family"); f != "" {
			parts = append(parts, f)
		}
		if len(parts) > 0 {
			return strings.Join(parts, " ")
		}
	}
	return ref
}

// allowedTags may appear in rendered narrative (without attributes).
var allowedTags = map[string]bool{
	"div": true, "p": true, "ul": true, "ol": true, "li": true, "sup": true, "sub": true, "b": true, "i": true,
	"em": true, "strong": true, "br": true, "span": true, "table": true, "thead": true, "tbody": true, "tr": true,
	"td": true, "th": true, "h3": true, "h4": true, "h5": true, "h6": true, "code": true, "pre": true, "blockquote": true,
}

// sanitizeXHTML re-emits narrative XHTML keeping text and allowed
// elements only; anything it cannot parse is shown as escaped text.
func sanitizeXHTML(div string) string {
	dec := xml.NewDecoder(strings.NewReader(div))
	var w strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return w.String()
		}
		if err != nil {
			return "<pre>" + html.EscapeString(div) + "</pre>"
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if allowedTags[t.Name.Local] {
				w.WriteString("<" + t.Name.Local + ">")
			}
		case xml.EndElement:
			if allowedTags[t.Name.Local] && t.Name.Local != "br" {
				w.WriteString("</" + t.Name.Local + ">")
			}
		case xml.CharData:
			w.WriteString(html.EscapeString(string(t)))
		}
	}
}
