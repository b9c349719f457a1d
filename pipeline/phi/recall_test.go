package phi_test

import (
	"context"
	"os"
	"testing"

	"github.com/kiln-health/kiln/internal/shared"
	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/phi/eval"
)

// The floors below sit a little under what the built-in detector measured
// when they were set (make eval-phi prints the current numbers). A change
// that drops below one has made the detector worse; one that raises the
// numbers should raise the floor.

// TestPHIRecallFloorOnTestdata guards the detector's token-level recall
// and precision on Kiln's own labelled notes (testdata/phi).
func TestPHIRecallFloorOnTestdata(t *testing.T) {
	rep := evaluate(t, "../../testdata/phi")
	floors := map[phi.Category]float64{
		phi.Name: 0.97, phi.Location: 0.98, phi.Date: 0.99, phi.Age: 0.99,
		phi.Phone: 0.99, phi.Fax: 0.99, phi.Email: 0.99, phi.URL: 0.99, phi.IP: 0.99,
		phi.SSN: 0.99, phi.MRN: 0.99, phi.HealthPlan: 0.99, phi.Account: 0.99, phi.License: 0.99,
		phi.Vehicle: 0.99, phi.Device: 0.99, phi.ID: 0.99,
	}
	for c, floor := range floors {
		counts := rep.ByCategory[c]
		if counts == nil || counts.GoldTokens == 0 {
			t.Errorf("%s: no gold tokens in testdata/phi: the corpus lost its %s examples", c, c)
			continue
		}
		if r := counts.TokenRecall(); r.Value() < floor {
			t.Errorf("%s token recall %s (%d/%d), floor %.0f%%", c, r, r.Num, r.Den, 100*floor)
		}
	}
	if r := rep.All.TokenRecall(); r.Value() < 0.99 {
		t.Errorf("overall token recall %s, floor 99%%", r)
	}
	if p := rep.All.TokenPrecision(); p.Value() < 0.98 {
		t.Errorf("overall token precision %s, floor 98%%", p)
	}
	if r := rep.All.EntityRecall(); r.Value() < 0.98 {
		t.Errorf("overall entity recall %s, floor 98%%", r)
	}
}

// TestPHIFloorOnIntl guards the names, addresses and dates of the
// international set (testdata/phi-intl, 1.6.0: NAME 96.9/96.0, LOCATION
// 93.2/97.9, DATE 99.3/100 token recall/precision).
func TestPHIFloorOnIntl(t *testing.T) {
	rep := evaluate(t, "../../testdata/phi-intl")
	for c, floor := range map[phi.Category][2]float64{
		phi.Name: {0.96, 0.93}, phi.Location: {0.92, 0.96}, phi.Date: {0.98, 0.97},
	} {
		counts := rep.ByCategory[c]
		if counts == nil || counts.GoldTokens == 0 {
			t.Errorf("%s: no gold tokens in testdata/phi-intl", c)
			continue
		}
		if r := counts.TokenRecall(); r.Value() < floor[0] {
			t.Errorf("%s token recall %s, floor %.0f%%", c, r, 100*floor[0])
		}
		if p := counts.TokenPrecision(); p.Value() < floor[1] {
			t.Errorf("%s token precision %s, floor %.0f%%", c, p, 100*floor[1])
		}
	}
}

// TestPHIFloorOnWrittenSets guards the figures on the sets written for
// Kiln after the rules, as regression guards:
//
//   - testdata/phi-seen: written blind and measured once (1.6.0: clinical
//     all R 91.3 / P 90.6, general 87.5 / 96.6), then tuned on for 1.7.0,
//     which reaches 96.7 / 95.8 and 92.3 / 98.3;
//
//   - testdata/phi-blind: written blind after 1.7.0 and never to be tuned
//     on (1.6.0: clinical 80.3 / 93.5, general 80.4 / 93.3; 1.7.0: 81.7 /
//     94.6 and 82.7 / 93.6; 1.8.0 with the tagger, which was not trained
//     on it: 82.6 / 94.1 and 83.6 / 93.1). A change may raise these only
//     by rules or training written from other text;
//
//   - testdata/phi-blind3: written blind during 1.8.0, measured once with
//     the rules alone (clinical 89.1 / 94.2, general 83.4 / 92.1) and once
//     with the tagger (90.7 / 93.5, 85.5 / 91.8); never to be trained or
//     tuned on either. 1.9.0, written from the training sets phi-train/a,
//     b, d and e, measured once: 95.2 / 93.8 and 90.7 / 92.2 (rules alone
//     93.3 / 94.4 and 88.6 / 92.4), and again when 1.9.0 was final (95.2
//     / 94.0, 90.8 / 92.3). Measured five times now: judge the next change
//     on a new blind pair.
//
//   - testdata/phi-blind4: written blind during 1.9.0, measured when the
//     first 1.9.0 rules and model were final (1.8.0 82.3 / 90.2 clinical
//     and 79.3 / 93.0 general; 1.9.0 88.7 / 90.3 and 89.1 / 93.6), and
//     again after a precision pass and one more training set (88.8 / 90.3
//     and 89.3 / 93.9; rules alone 87.2 / 90.7 and 87.7 / 94.3).
//
//   - testdata/phi-blind5: written blind during 1.9.0, measured when the
//     first 1.9.0 was final: 1.8.0 84.9 / 91.1 and 87.9 / 93.8; 1.9.0 91.9
//     / 91.4 and 90.9 / 93.7; and again after a second round of rules
//     from the training sets: 92.0 / 91.8 and 90.9 / 93.9.
//
//   - testdata/phi-blind6: written blind during 1.9.0 and measured when
//     the second round of rules was final: 1.8.0 84.9 / 90.7 (clinical)
//     and 88.7 / 93.2 (general); 1.9.0 91.1 / 90.3 and 91.0 / 92.9 (rules
//     alone 89.3 / 90.5 and 89.3 / 93.4); with the tagger retrained on
//     phi-train/h and i, 91.1 / 90.1 and 91.0 / 93.0.
//
//   - testdata/phi-blind7: written blind during 1.9.0 and measured once,
//     with the final rules and model: 1.8.0 90.0 / 91.8 and 87.5 / 92.3;
//     1.9.0 91.9 / 92.1 and 90.6 / 92.6 (rules alone 91.0 / 92.4 and 88.8
//     / 92.7).
//
//   - testdata/phi-blind8: written blind during 1.10.0, measured with
//     1.9.0 (88.6 / 88.4, 85.2 / 94.1), 1.10.0 (89.7 / 87.1, 87.2 /
//     93.4) and the final 1.11.0 (90.8 / 88.4, 88.3 / 93.6).
//
//   - testdata/phi-blind9: written blind during 1.11.0, measured with
//     1.10.0 (83.1 / 88.4, 84.6 / 91.6) and six times with 1.11.0 builds
//     as its rules were finished (recall 83.5 and 85.4; 84.5 and 85.7;
//     84.5 and 85.9; 84.8 and 85.6 twice; final 84.7 / 89.6 and 85.5 /
//     92.3). No change was made from its figures; its errors were not
//     read. 1.12.0 trains on phi-train/l and m, which share its
//     communities: 85.5 / 90.0 and 86.1 / 92.4.
//
//   - testdata/phi-blind10: written blind during 1.12.0 and measured once
//     with the final 1.12.0 (92.4 / 87.8 clinical, 83.8 / 86.5 general)
//     and with 1.11.0 for comparison (90.3 / 87.7, 83.2 / 86.4). 1.13.0:
//     92.5 / 88.1 and 84.3 / 87.4.
//
//   - testdata/phi-blind11: written blind during 1.13.0, measured with
//     1.12.0 (89.7 / 90.4 clinical, 84.7 / 92.4 general), with a 1.13.0
//     build (91.3 / 91.0, 86.5 / 92.8) and with the final 1.13.0, which
//     adds two guards written for failing unit tests and the retrained
//     tagger they need, not because of these figures (91.0 / 91.1, 86.4 /
//     92.7; the same after the review's change to the organisation
//     words). Its errors were not read. 1.14.0: 91.9 / 92.1 and 87.8 /
//     92.9.
//
//   - testdata/phi-blind12: written blind during 1.14.0 while phi-train/p
//     and q were written (four of their documents share its communities
//     and wait in phi-train/held12), measured once with the final 1.14.0
//     (90.7 / 90.2 clinical, 84.5 / 94.0 general) and with 1.13.0 for
//     comparison (90.9 / 89.8, 82.2 / 93.7). Its errors were not read.
//     1.15.0: 91.2 / 90.2 and 85.3 / 94.1.
//
//   - testdata/phi-blind13: written blind during 1.15.0 while phi-train/r
//     and s were written (no community in common), measured once with the
//     final 1.15.0 (91.6 / 91.9 clinical, 86.7 / 92.6 general) and with
//     1.14.0 for comparison (91.6 / 91.7, 86.2 / 92.4); a first build gave
//     86.5 general before three guards written for unit tests the
//     retrained tagger failed. Its errors were not read.
//
//   - testdata/phi-blind14: written blind during 1.17.0 while phi-train/t
//     and u were written (states and countries kept apart by the brief),
//     measured once with 1.16.0 (89.5 / 95.6 clinical, 90.7 / 93.1
//     general) and once with the final 1.17.0 (90.1 / 95.3, 91.5 / 93.2);
//     with 1.18.0, 90.7 / 95.6 and 92.3 / 93.3. Its errors were not read.
//
//   - testdata/phi-blind15: written blind during 1.18.0 while phi-train/v
//     and w were written (states and countries kept apart by the brief),
//     measured once with 1.17.0 (92.5 / 93.7 clinical, 90.3 / 94.1
//     general) and once with the final 1.18.0 (93.0 / 93.6, 90.6 / 94.0);
//     with 1.19.0, 93.8 / 93.6 and 91.1 / 94.1; with 1.20.0, 94.6 / 93.7
//     and 92.6 / 94.2; with 1.21.0, 94.6 / 93.7 and 92.7 / 94.2; with
//     1.22.0, 94.7 / 93.7 and 92.7 / 94.2. Its errors were not read.
//
// phi-blind with the final 1.9.0: 86.9 / 94.6 and 89.3 / 93.6 (rules
// alone 85.4 / 94.9 and 87.4 / 93.8).
//
// The tagger (1.8.0) is trained on phi-seen, so its figures there are
// in-sample (1.9.0: 98.5 / 95.9 and 94.2 / 97.9).
func TestPHIFloorOnWrittenSets(t *testing.T) {
	for _, c := range []struct {
		dir             string
		recall, precise float64
	}{
		{"../../testdata/phi-seen/clinical", 0.985, 0.95},
		{"../../testdata/phi-seen/general", 0.945, 0.975},
		{"../../testdata/phi-blind/clinical", 0.91, 0.945},
		{"../../testdata/phi-blind/general", 0.91, 0.92},
		{"../../testdata/phi-blind3/clinical", 0.95, 0.93},
		{"../../testdata/phi-blind3/general", 0.91, 0.925},
		{"../../testdata/phi-blind4/clinical", 0.92, 0.89},
		{"../../testdata/phi-blind4/general", 0.90, 0.93},
		{"../../testdata/phi-blind5/clinical", 0.955, 0.905},
		{"../../testdata/phi-blind5/general", 0.92, 0.925},
		{"../../testdata/phi-blind6/clinical", 0.94, 0.905},
		{"../../testdata/phi-blind6/general", 0.925, 0.915},
		{"../../testdata/phi-blind7/clinical", 0.935, 0.905},
		{"../../testdata/phi-blind7/general", 0.92, 0.92},
		{"../../testdata/phi-blind8/clinical", 0.90, 0.88},
		{"../../testdata/phi-blind8/general", 0.88, 0.93},
		{"../../testdata/phi-blind9/clinical", 0.84, 0.885},
		{"../../testdata/phi-blind9/general", 0.855, 0.915},
		{"../../testdata/phi-blind10/clinical", 0.92, 0.875},
		{"../../testdata/phi-blind10/general", 0.835, 0.865},
		{"../../testdata/phi-blind11/clinical", 0.905, 0.905},
		{"../../testdata/phi-blind11/general", 0.86, 0.92},
		{"../../testdata/phi-blind12/clinical", 0.90, 0.895},
		{"../../testdata/phi-blind12/general", 0.84, 0.93}, // precision 93.5 with 1.17.0, 93.4 with 1.18.0
		{"../../testdata/phi-blind13/clinical", 0.91, 0.91},
		{"../../testdata/phi-blind13/general", 0.88, 0.92},
		{"../../testdata/phi-blind14/clinical", 0.895, 0.945},
		{"../../testdata/phi-blind14/general", 0.905, 0.925},
		{"../../testdata/phi-blind15/clinical", 0.925, 0.93},
		{"../../testdata/phi-blind15/general", 0.90, 0.935},
	} {
		rep := evaluate(t, c.dir)
		if r := rep.All.TokenRecall(); r.Value() < c.recall {
			t.Errorf("%s: token recall %s, floor %.1f%%", c.dir, r, 100*c.recall)
		}
		if p := rep.All.TokenPrecision(); p.Value() < c.precise {
			t.Errorf("%s: token precision %s, floor %.1f%%", c.dir, p, 100*c.precise)
		}
	}
}

// TestPHIRecallFloorOnPresidio guards the numbers on the public Presidio
// set when ../shared holds it (it is not part of this repository).
func TestPHIRecallFloorOnPresidio(t *testing.T) {
	const path = "../../../shared/phi-dev/synth_dataset_v2.json"
	if _, err := os.Stat(path); err != nil {
		shared.Missing(t, "the public PHI set", err)
	}
	rep := evaluate(t, path)
	type floor struct {
		name  string
		got   eval.Ratio
		floor float64
	}
	floors := []floor{
		{"overall token recall", rep.All.TokenRecall(), 0.99},
		{"overall token precision", rep.All.TokenPrecision(), 0.965},
		{"NAME token recall", rep.ByCategory[phi.Name].TokenRecall(), 0.99},
		{"NAME token precision", rep.ByCategory[phi.Name].TokenPrecision(), 0.94},
		{"LOCATION token recall", rep.ByCategory[phi.Location].TokenRecall(), 0.98},
		{"LOCATION token precision", rep.ByCategory[phi.Location].TokenPrecision(), 0.97},
		{"DATE token recall", rep.ByCategory[phi.Date].TokenRecall(), 0.99},
		{"PHONE token recall", rep.ByCategory[phi.Phone].TokenRecall(), 0.99},
	}
	// Records 1000-1499 were never looked at while writing rules: they
	// say how the rules hold on text they were not tuned on. (1.4.0
	// traded a point of NAME precision there for 2.4 of recall; 1.5.0
	// gained 5 points of NAME and 1 of LOCATION recall there, against
	// 7.5 and 6.5 on the records the rules were written on. The 1.8.0
	// tagger is trained on records 0-999, not on these: NAME 97.1 -> 97.8,
	// LOCATION 92.9 -> 94.8. 1.9.0 retrained it with 88 more documents of
	// US clinical and non-clinical text, which first cost a point here: NAME
	// 97.8, LOCATION 94.8 -> 93.7; with one more set, phi-train/f, NAME
	// 98.0 and LOCATION 94.3. In 1.11.0, retraining the same corpora after
	// a word-list change moved NAME recall here between 98.4 and 99.1 %:
	// two or three names of 445 tokens, so the floor sits at 98 %. 1.15.0
	// retrained the tagger with 44 more documents (phi-train/r, s and
	// held12): LOCATION here 96.3 -> 95.7 %, six tokens of 934, while the
	// rules with 1.14.0's tagger still give 96.3; trained with seeds 1-4
	// instead, 95.4-96.0 %, so the floor sits at 95 %. 1.16.0's tagger
	// averages five document orders, reads the word pairs around a token and
	// leans to recall: LOCATION 95.7 -> 97.1, NAME 98.4 -> 98.9. 1.17.0:
	// 96.9 and 98.7. 1.18.0 tags in two directions and lets a word of the
	// dictionary carry a span the tagger is sure of: LOCATION 97.1, NAME
	// 99.3.)
	held := evaluate(t, path+"#1000:1500")
	floors = append(floors,
		floor{"held-out NAME token recall", held.ByCategory[phi.Name].TokenRecall(), 0.985},
		floor{"held-out NAME token precision", held.ByCategory[phi.Name].TokenPrecision(), 0.91},
		floor{"held-out LOCATION token recall", held.ByCategory[phi.Location].TokenRecall(), 0.965},
		floor{"held-out LOCATION token precision", held.ByCategory[phi.Location].TokenPrecision(), 0.97},
		floor{"held-out PHONE token recall", held.ByCategory[phi.Phone].TokenRecall(), 0.99},
	)
	for _, f := range floors {
		if f.got.Value() < f.floor {
			t.Errorf("%s %s, floor %.1f%%", f.name, f.got, 100*f.floor)
		}
	}
}

func evaluate(t *testing.T, path string) *eval.Report {
	t.Helper()
	b, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	c, a, err := eval.Load(path, eval.Adapters(b.NotPHIPlace))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eval.Evaluate(context.Background(), b, c, a)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
