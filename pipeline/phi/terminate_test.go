package phi

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestDetectTerminates runs the detector over a line that once sent the
// international street rule into an endless loop (a street morpheme,
// "GATE", after a capitalised word with no house number), and over
// thousands of random lines built from the words the address and name
// rules react to, in every case; each must finish. A hang here is a
// worker that never finishes its job.
func TestDetectTerminates(t *testing.T) {
	b := newTestBuiltin(t)
	words := strings.Fields(`side gate dog is friendly ask for bonnie if no answer leave at door driver note
		bremer straße strasse gatan vej vegen rue calle via ul str u. c/ apt suite unit flat box p.o. po
		street st road rd avenue ave lane drive court place route plaza corner of and the in to from at
		dr mr mrs van de la ten du nad am 12 4 221b 02860 1016 gc 00-514 ri ma nsw ny london kiel oslo
		hope will may june grace king smith o'neil garcía-lópez ásgeirsdóttir , . : ; - / ( ) " ' 1939. 05.`)
	rng := rand.New(rand.NewPCG(1, 2))
	lines := []string{`LEAVE AT DOOR - DRIVER NOTE: "SIDE GATE, DOG IS FRIENDLY. ASK FOR BONNIE IF NO ANSWER."`}
	for range 3000 {
		n := 2 + rng.IntN(14)
		var sb strings.Builder
		for k := range n {
			if k > 0 {
				sb.WriteString([]string{" ", " ", " ", "\n", ", "}[rng.IntN(5)])
			}
			w := words[rng.IntN(len(words))]
			switch rng.IntN(3) {
			case 0:
				w = strings.ToUpper(w)
			case 1:
				if w != "" {
					w = strings.ToUpper(w[:1]) + w[1:]
				}
			}
			sb.WriteString(w)
		}
		lines = append(lines, sb.String())
	}
	done := make(chan int, 1)
	go func() {
		for i, l := range lines {
			if _, err := b.Detect(context.Background(), l, Hints{}); err != nil {
				t.Errorf("line %d: %v", i, err)
			}
		}
		done <- len(lines)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the detector did not finish 3001 short lines in two minutes: a rule loops")
	}
}
