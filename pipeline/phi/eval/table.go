package eval

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report: one row per category and the pooled row,
// token-level then entity-level, and the predicted tokens that fell on
// labels mapped to "not PHI".
func (rep *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "corpus %s (%s): %d documents, %d gold PHI tokens, %d gold PHI entities\n",
		rep.Corpus, rep.Format, rep.Documents, rep.All.GoldTokens, rep.All.GoldEntities)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\ttoken\t\t\t\t\t\t\t\tentity\t\t\t\t\t\t")
	fmt.Fprintln(tw, "category\tgold\tR\tR/c\tpred\tP\tP/c\tF1\t\tgold\tR\tR/c\tpred\tP\tF1\t")
	row := func(name string, c Counts) {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\t%s\t%.1f%%\t\t%d\t%s\t%s\t%d\t%s\t%.1f%%\t\n",
			name, c.GoldTokens, c.TokenRecall(), c.TokenRecallCat(), c.PredTokens, c.TokenPrecision(), c.TokenPrecisionCat(),
			100*F1(c.TokenPrecision(), c.TokenRecall()),
			c.GoldEntities, c.EntityRecall(), c.EntityRecallCat(), c.PredEntities, c.EntityPrecision(),
			100*F1(c.EntityPrecision(), c.EntityRecall()))
	}
	for _, cat := range rep.Categories() {
		row(string(cat), *rep.ByCategory[cat])
	}
	row("all", rep.All)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.NotPHIHits) > 0 {
		var parts []string
		for l, n := range rep.NotPHIHits {
			parts = append(parts, fmt.Sprintf("%s %d", l, n))
		}
		sort.Strings(parts)
		fmt.Fprintf(w, "predicted tokens on labels mapped to not PHI: %s\n", strings.Join(parts, ", "))
	}
	_, err := fmt.Fprintln(w)
	return err
}

// WriteErrors prints up to n missed entities and n false positives, for
// looking into a detector's weak spots.
func (rep *Report) WriteErrors(w io.Writer, n int) {
	fmt.Fprintf(w, "missed entities (%d):\n", len(rep.Misses))
	for i, m := range rep.Misses {
		if i == n {
			break
		}
		fmt.Fprintf(w, "  %s %s %q: %s\n", m.Document, m.Category, m.Text, m.Detail)
	}
	fmt.Fprintf(w, "found under another category (%d):\n", len(rep.WrongCategory))
	for i, m := range rep.WrongCategory {
		if i == n {
			break
		}
		fmt.Fprintf(w, "  %s %s %q: %s\n", m.Document, m.Category, m.Text, m.Detail)
	}
	for _, list := range []struct {
		title string
		m     []Miss
	}{{"false positives", rep.FalsePos}, {"spans reaching beyond PHI", rep.Overreach}} {
		fmt.Fprintf(w, "%s (%d):\n", list.title, len(list.m))
		for i, m := range list.m {
			if i == n {
				break
			}
			fmt.Fprintf(w, "  %s %s %q (%s)\n", m.Document, m.Category, m.Text, m.Detail)
		}
	}
	fmt.Fprintln(w)
}
