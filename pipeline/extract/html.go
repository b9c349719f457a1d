package extract

import (
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlBlocks are elements that start and end a line when rendered.
var htmlBlocks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Body: true,
	atom.Br: true, atom.Caption: true, atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true,
	atom.Dl: true, atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Header: true, atom.Hr: true, atom.Legend: true, atom.Li: true,
	atom.Main: true, atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true,
	atom.Summary: true, atom.Table: true, atom.Tbody: true, atom.Tfoot: true,
	atom.Thead: true, atom.Title: true, atom.Tr: true, atom.Ul: true,
}

// htmlSkipped are elements whose content is not document text.
var htmlSkipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Object: true, atom.Iframe: true, atom.Select: true,
}

// readHTML renders HTML to text with the tokenizer (no DOM is built, so
// memory stays proportional to the input): scripts and styles are dropped,
// block elements become line breaks, table cells are tab-separated, and
// whitespace collapses as a browser would except inside <pre>.
func readHTML(text string) ([]pageText, []string, *Error) {
	z := html.NewTokenizer(strings.NewReader(text))
	out := newTextWriter()
	skipping, pre := atom.Atom(0), 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return nil, nil, wrapError(CodeCorrupt, err, "malformed HTML")
			}
			return []pageText{{text: out.String()}}, nil, nil
		case html.TextToken:
			if skipping != 0 {
				continue
			}
			if pre > 0 {
				out.raw(string(z.Text()))
			} else {
				out.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipping != 0 {
				continue
			}
			if htmlSkipped[a] && tt == html.StartTagToken {
				skipping = a
				continue
			}
			if a == atom.Pre && tt == html.StartTagToken {
				pre++
			}
			if htmlBlocks[a] {
				out.newline()
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipping != 0 {
				if a == skipping {
					skipping = 0
				}
				continue
			}
			switch {
			case a == atom.Pre && pre > 0:
				pre--
				out.newline()
			case a == atom.Td || a == atom.Th:
				out.tab()
			case htmlBlocks[a]:
				out.newline()
			}
		}
	}
}
