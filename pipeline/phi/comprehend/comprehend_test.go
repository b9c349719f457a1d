package comprehend_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/comprehendmedical"
	"github.com/aws/aws-sdk-go-v2/service/comprehendmedical/types"
	"github.com/aws/smithy-go"

	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/phi/comprehend"
)

// mark is one rule of the fake service's "model": every occurrence of
// word is an entity of type typ with score.
type mark struct {
	word  string
	typ   string
	score float64
}

// fakeCM speaks Comprehend Medical's JSON 1.1 protocol for DetectPHI. It
// checks each request's shape, records its text, and answers with the
// entities its marks find, or with the failures that fail chooses.
type fakeCM struct {
	t      *testing.T
	region string
	marks  []mark
	// utf16 makes the offsets count UTF-16 code units instead of code
	// points.
	utf16 bool
	// noText leaves the entities' Text out of the answers.
	noText bool
	// fail, when set, may answer request n (from 1) with a failure:
	// status, the raw body and ok.
	fail func(n int, text string) (status int, body string, ok bool)
	// hang makes requests wait for the client to go away.
	hang bool

	mu    sync.Mutex
	texts []string
}

func newFake(t *testing.T, marks ...mark) *fakeCM {
	return &fakeCM{t: t, region: "us-east-1", marks: marks}
}

func (f *fakeCM) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.texts)
}

func (f *fakeCM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.t
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		t.Errorf("request %s %s, want POST /", r.Method, r.URL.Path)
	}
	if got := r.Header.Get("X-Amz-Target"); got != "ComprehendMedical_20181030.DetectPHI" {
		t.Errorf("X-Amz-Target = %q", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", got)
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDKILNTEST/") ||
		!strings.Contains(auth, "/"+f.region+"/comprehendmedical/aws4_request") || !strings.Contains(auth, "Signature=") {
		t.Errorf("Authorization = %q, want a SigV4 signature for comprehendmedical in %s", auth, f.region)
	}
	if r.Header.Get("X-Amz-Date") == "" {
		t.Error("no X-Amz-Date")
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read body: %v", err)
		return
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Errorf("body is not JSON: %v", err)
		return
	}
	text, ok := body["Text"].(string)
	if !ok || len(body) != 1 || text == "" {
		t.Errorf("body has keys %v, want only a non-empty Text", slices.Collect(maps.Keys(body)))
	}
	if len(text) >= comprehend.RequestLimit || !utf8.ValidString(text) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"TextSizeLimitExceededException","Message":"%d bytes"}`, len(text))
		t.Errorf("request of %d bytes (valid UTF-8: %v)", len(text), utf8.ValidString(text))
		return
	}
	f.mu.Lock()
	f.texts = append(f.texts, text)
	n := len(f.texts)
	f.mu.Unlock()

	if f.hang {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", fmt.Sprintf("req-%d", n))
	if f.fail != nil {
		if status, body, ok := f.fail(n, text); ok {
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"Entities": f.detect(text), "ModelVersion": "2.4.0"})
}

// detect is the fake model.
func (f *fakeCM) detect(text string) []map[string]any {
	count := func(s string) int {
		if f.utf16 {
			return len(utf16.Encode([]rune(s)))
		}
		return utf8.RuneCountInString(s)
	}
	var out []map[string]any
	for _, m := range f.marks {
		for from := 0; ; {
			i := strings.Index(text[from:], m.word)
			if i < 0 {
				break
			}
			i += from
			e := map[string]any{
				"Id":          len(out),
				"BeginOffset": count(text[:i]),
				"EndOffset":   count(text[:i+len(m.word)]),
				"Category":    "PROTECTED_HEALTH_INFORMATION",
				"Type":        m.typ,
				"Score":       m.score,
				"Traits":      []any{},
			}
			if !f.noText {
				e["Text"] = m.word
			}
			out = append(out, e)
			from = i + len(m.word)
		}
	}
	return out
}

func noBackoff(int, error) (time.Duration, error) { return 0, nil }

// start runs f and returns a client for it through the real SDK.
func start(t *testing.T, f *fakeCM) *comprehendmedical.Client {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return comprehendmedical.New(comprehendmedical.Options{
		Region:       f.region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDKILNTEST", "kiln-test-secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(noBackoff)
		}),
	})
}

// found is a span as its text and category, for comparisons.
type found struct {
	Text     string
	Category phi.Category
}

func texts(text string, spans []phi.Span) []found {
	var out []found
	for _, s := range spans {
		out = append(out, found{text[s.Start:s.End], s.Category})
	}
	return out
}

func TestDetectMapsEntityTypes(t *testing.T) {
	f := newFake(t,
		mark{"Marguerite Okafor", "NAME", 0.99},
		mark{"March 3, 2021", "DATE", 0.98},
		mark{"2019", "DATE", 0.9},
		mark{"Tuesday", "DATE", 0.9},
		mark{"(617) 555-0142", "PHONE_OR_FAX", 0.97},
		mark{"617-555-0199", "PHONE_OR_FAX", 0.97},
		mark{"m.okafor@example.org", "EMAIL", 0.99},
		mark{"A12-77-0931", "ID", 0.95},
		mark{"https://portal.example.org/p/7731", "URL", 0.96},
		mark{"44 Larkspur Lane, Springfield", "ADDRESS", 0.93},
		mark{"Boston, Massachusetts", "ADDRESS", 0.9},
		mark{"schoolteacher", "PROFESSION", 0.92},
		mark{"92-year-old", "AGE", 0.97},
		mark{"45 yo", "AGE", 0.97},
		mark{"6 months", "AGE", 0.9},
		mark{"ninety-three", "AGE", 0.9},
		mark{"ZQ-Badge-88", "SOME_NEW_TYPE", 0.8},
		mark{"reachme@kiln.test", "CONTACT_POINT", 0.8},
	)
	b, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	d := comprehend.New(start(t, f), comprehend.Options{NotPHIPlace: b.NotPHIPlace})
	text := "Marguerite Okafor, a 92-year-old retired schoolteacher, was seen March 3, 2021 (first seen 2019, on a Tuesday).\n" +
		"Phone (617) 555-0142, fax 617-555-0199, m.okafor@example.org, ID A12-77-0931, https://portal.example.org/p/7731.\n" +
		"Lives at 44 Larkspur Lane, Springfield; born in Boston, Massachusetts. Her son (45 yo) and grandson (6 months) visit.\n" +
		"Her sister is ninety-three. Badge ZQ-Badge-88, reachme@kiln.test."
	spans, err := d.Detect(context.Background(), text, phi.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	want := []found{
		{"Marguerite Okafor", phi.Name},
		{"92", phi.Age},
		{"March 3, 2021", phi.Date},
		{"(617) 555-0142", phi.Phone},
		{"617-555-0199", phi.Fax},
		{"m.okafor@example.org", phi.Email},
		{"A12-77-0931", phi.ID},
		{"https://portal.example.org/p/7731", phi.URL},
		{"44 Larkspur Lane, Springfield", phi.Location},
		{"Boston", phi.Location},
		{"ninety-three", phi.Age},
		{"ZQ-Badge-88", phi.ID},
		{"reachme@kiln.test", phi.Email},
	}
	if got := texts(text, spans); !slices.Equal(got, want) {
		t.Errorf("spans:\n got %v\nwant %v", got, want)
	}
	for _, s := range spans {
		if !strings.HasPrefix(s.Detector, "comprehend-medical:") || s.Confidence <= 0 || s.Confidence > 1 {
			t.Errorf("span %v: detector %q confidence %v", s, s.Detector, s.Confidence)
		}
	}
	if spans[0].Detector != "comprehend-medical:NAME" || spans[0].Confidence != 0.99 {
		t.Errorf("first span %+v, want detector comprehend-medical:NAME, confidence 0.99", spans[0])
	}
	if v := d.Version(); !strings.Contains(v, comprehend.Version) || !strings.Contains(v, "model=2.4.0") {
		t.Errorf("Version() = %q, want the package version and the model's", v)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests for a short text, want 1", n)
	}
}

func TestDetectAgesUpTo89AreNotPHI(t *testing.T) {
	tests := []struct {
		entity, text string
		want         []found
	}{
		{"89", "aged 89 today", nil},
		{"90", "aged 90 today", []found{{"90", phi.Age}}},
		{"17-year-old", "a 17-year-old", nil},
		{"101 years", "now 101 years", []found{{"101", phi.Age}}},
		{"in her 90s", "in her 90s", []found{{"90s", phi.Age}}},
		{"100 days", "a 100 days old infant", nil},
		{"seventy-two", "seventy-two", nil},
		{"a centenarian", "a centenarian", []found{{"a centenarian", phi.Age}}},
		{"1942", "born 1942", nil},
	}
	for _, tc := range tests {
		t.Run(tc.entity, func(t *testing.T) {
			d := comprehend.New(start(t, newFake(t, mark{tc.entity, "AGE", 0.9})), comprehend.Options{})
			spans, err := d.Detect(context.Background(), tc.text, phi.Hints{})
			if err != nil {
				t.Fatal(err)
			}
			if got := texts(tc.text, spans); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDetectMinScore(t *testing.T) {
	f := newFake(t, mark{"Okafor", "NAME", 0.49}, mark{"Abernathy", "NAME", 0.5}, mark{"Quist", "NAME", 0.95})
	text := "Okafor met Abernathy and Quist."
	for _, tc := range []struct {
		min  float64
		want []string
	}{
		{0, []string{"Okafor", "Abernathy", "Quist"}},
		{0.5, []string{"Abernathy", "Quist"}},
		{0.9, []string{"Quist"}},
		{0.96, nil},
	} {
		d := comprehend.New(start(t, f), comprehend.Options{MinScore: tc.min})
		spans, err := d.Detect(context.Background(), text, phi.Hints{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range spans {
			got = append(got, text[s.Start:s.End])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("MinScore %v: got %q, want %q", tc.min, got, tc.want)
		}
		if !strings.Contains(d.Version(), fmt.Sprintf("min-score=%v", tc.min)) {
			t.Errorf("Version() = %q does not give the minimum score", d.Version())
		}
	}
}

// nonASCII builds a text of lines in which every marked word follows
// accented letters, emoji and CJK, so that code points, UTF-16 units and
// bytes all differ, and returns it with the marked words.
func nonASCII(lines int) (string, []string) {
	var b strings.Builder
	var words []string
	fillers := []string{"Café crème à l'hôpital — ", "🩺🧑‍⚕️ suivi 👍🏽 ", "患者は東京都で診察を受けた。", "Ωμέγα ß ñ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 "}
	for i := range lines {
		w := fmt.Sprintf("Zoë-%03d-Ñúñez", i)
		words = append(words, w)
		fmt.Fprintf(&b, "%s%s%s seen. %s\n", fillers[i%len(fillers)], fillers[(i+1)%len(fillers)], w, fillers[(i+2)%len(fillers)])
	}
	return b.String(), words
}

func TestDetectOffsetsNonASCIIAcrossChunks(t *testing.T) {
	text, words := nonASCII(40)
	for _, mode := range []struct {
		name   string
		utf16  bool
		noText bool
	}{
		{"code points", false, false},
		{"code points without Text", false, true},
		{"UTF-16 units (fallback on Text)", true, false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			var marks []mark
			for _, w := range words {
				marks = append(marks, mark{w, "NAME", 0.9})
			}
			f := newFake(t, marks...)
			f.utf16, f.noText = mode.utf16, mode.noText
			const max = 150
			d := comprehend.New(start(t, f), comprehend.Options{MaxChunkBytes: max})
			spans, err := d.Detect(context.Background(), text, phi.Hints{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range spans {
				got = append(got, text[s.Start:s.End])
			}
			if !slices.Equal(got, words) {
				t.Errorf("spans cover %q,\nwant %q", got, words)
			}
			reqs := f.requests()
			if len(reqs) < len(text)/max {
				t.Errorf("%d requests for %d bytes in chunks of %d", len(reqs), len(text), max)
			}
			for _, r := range reqs {
				if len(r) > max {
					t.Errorf("request of %d bytes > %d", len(r), max)
				}
			}
			if strings.Join(reqs, "") != text {
				t.Error("the requests do not add up to the text")
			}
		})
	}
}

func TestDetectChunksLargeText(t *testing.T) {
	var b strings.Builder
	var names []string
	for i := 0; b.Len() < 70_000; i++ {
		name := fmt.Sprintf("Quillon%04d", i)
		names = append(names, name)
		fmt.Fprintf(&b, "Follow-up note %d: %s reports improved mobility and will continue physiotherapy twice weekly. ", i, name)
		if i%7 == 6 {
			b.WriteString("\n\n")
		}
	}
	text := b.String()
	f := newFake(t, mark{"Quillon", "NAME", 0.9})
	d := comprehend.New(start(t, f), comprehend.Options{})
	spans, err := d.Detect(context.Background(), text, phi.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK retries a request that met a transient failure (as on a
	// loaded machine): a repeat of the request before is the same chunk.
	reqs := slices.Compact(f.requests())
	if len(reqs) < 4 {
		t.Fatalf("%d requests for %d bytes", len(reqs), len(text))
	}
	for i, r := range reqs {
		if len(r) >= comprehend.RequestLimit {
			t.Errorf("request %d has %d bytes", i, len(r))
		}
		if i < len(reqs)-1 && !strings.HasSuffix(r, "\n\n") {
			t.Errorf("request %d ends %q, want a cut at a blank line", i, r[len(r)-20:])
		}
	}
	if strings.Join(reqs, "") != text {
		t.Error("the requests do not add up to the text")
	}
	if len(spans) != len(names) {
		t.Fatalf("%d spans, want %d", len(spans), len(names))
	}
	for i, s := range spans {
		if got := text[s.Start:s.End]; got != "Quillon" || !strings.HasPrefix(text[s.Start:], names[i]) {
			t.Errorf("span %d covers %q at %d, want the start of %s", i, got, s.Start, names[i])
		}
	}
}

func TestCombineWithBuiltin(t *testing.T) {
	b, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	// The built-in detector finds "John Smith" and the date; the service
	// finds the name with its title, the date more surely, and a
	// lower-case name and a lower-case place that the built-in detector misses.
	f := newFake(t,
		mark{"Dr. John Smith", "NAME", 0.8},
		mark{"03/14/2021", "DATE", 0.99},
		mark{"wiremu tawhiri", "NAME", 0.92},
		mark{"otuwhare flat", "ADDRESS", 0.9},
	)
	cm := comprehend.New(start(t, f), comprehend.Options{})
	d := phi.Combine("kiln+comprehend", b, cm)
	text := "Seen by Dr. John Smith on 03/14/2021; his carer wiremu tawhiri called from otuwhare flat."
	alone, err := b.Detect(context.Background(), text, phi.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(text, alone), []found{{"John Smith", phi.Name}, {"03/14/2021", phi.Date}}; !slices.Equal(got, want) {
		t.Fatalf("the built-in detector alone finds %v, want %v: the test needs a new text", got, want)
	}
	spans, err := d.Detect(context.Background(), text, phi.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	want := []found{{"Dr. John Smith", phi.Name}, {"03/14/2021", phi.Date}, {"wiremu tawhiri", phi.Name}, {"otuwhare flat", phi.Location}}
	if got := texts(text, spans); !slices.Equal(got, want) {
		t.Errorf("combined spans %v, want %v", got, want)
	}
	// Overlapping names became one span with the higher confidence (the
	// built-in detector's); the date is the service's, the surer one.
	if spans[0].Detector != "name" || spans[0].Confidence != 0.9 || spans[1].Detector != "comprehend-medical:DATE" {
		t.Errorf("merged spans %+v", spans[:2])
	}
	for i := 1; i < len(spans); i++ {
		if spans[i].Start < spans[i-1].End {
			t.Errorf("overlapping spans %v", spans)
		}
	}
	if !strings.Contains(d.Version(), "kiln-builtin/") || !strings.Contains(d.Version(), "comprehend-medical/"+comprehend.Version) {
		t.Errorf("Version() = %q", d.Version())
	}
}

const secret = "Marguerite Okafor SSN 078-05-1120"

func TestDetectErrorsNeverHoldTheText(t *testing.T) {
	echo := func(code string) string {
		b, _ := json.Marshal(map[string]string{"__type": code, "Message": "cannot process " + secret})
		return string(b)
	}
	tests := []struct {
		name     string
		fail     func(n int, text string) (int, string, bool)
		code     string
		attempts int
	}{
		{"invalid request", func(int, string) (int, string, bool) {
			return 400, echo("InvalidRequestException"), true
		}, "InvalidRequestException", 0},
		{"persistent 500", func(int, string) (int, string, bool) {
			return 500, echo("InternalServerException"), true
		}, "InternalServerException", 3},
		{"persistent throttling", func(int, string) (int, string, bool) {
			return 400, echo("TooManyRequestsException"), true
		}, "TooManyRequestsException", 3},
		{"unknown error type", func(int, string) (int, string, bool) {
			return 403, echo("com.amazon#" + secret), true
		}, "", 0},
		{"malformed success", func(int, string) (int, string, bool) {
			return 200, `{"Entities":[{"Text":"` + secret + `","BeginOffset":"x"`, true
		}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.fail = tc.fail
			d := comprehend.New(start(t, f), comprehend.Options{})
			spans, err := d.Detect(context.Background(), "Note: "+secret+".", phi.Hints{})
			if err == nil {
				t.Fatalf("no error; spans %v", spans)
			}
			msg := err.Error()
			for _, part := range strings.Fields(secret) {
				if strings.Contains(msg, part) {
					t.Errorf("error %q holds %q from the text", msg, part)
				}
			}
			var ce *comprehend.Error
			if !errors.As(err, &ce) || ce.Chunk != 1 || ce.Chunks != 1 {
				t.Fatalf("error %#v is not a *comprehend.Error for request 1 of 1", err)
			}
			if tc.code != "" {
				var api smithy.APIError
				if ce.Code != tc.code || !errors.As(err, &api) || api.ErrorCode() != tc.code || !strings.Contains(msg, tc.code) {
					t.Errorf("error %q: code %q, want %q", msg, ce.Code, tc.code)
				}
			}
			if ce.Attempts != tc.attempts || len(f.requests()) != max(1, tc.attempts) {
				t.Errorf("%d attempts reported, %d made, want %d", ce.Attempts, len(f.requests()), max(1, tc.attempts))
			}
			t.Log(msg)
		})
	}
	t.Run("invalid request exception type", func(t *testing.T) {
		f := newFake(t)
		f.fail = func(int, string) (int, string, bool) { return 400, echo("InvalidRequestException"), true }
		_, err := comprehend.New(start(t, f), comprehend.Options{}).Detect(context.Background(), secret, phi.Hints{})
		var inv *types.InvalidRequestException
		if !errors.As(err, &inv) {
			t.Errorf("error %v does not unwrap to *types.InvalidRequestException", err)
		}
	})
}

func TestDetectRetriesThrottlingAndServerErrors(t *testing.T) {
	f := newFake(t, mark{"Okafor", "NAME", 0.9})
	f.fail = func(n int, _ string) (int, string, bool) {
		switch n {
		case 1:
			return 400, `{"__type":"TooManyRequestsException","Message":"slow down"}`, true
		case 2:
			return 503, `{"__type":"ServiceUnavailableException","Message":"later"}`, true
		}
		return 0, "", false
	}
	d := comprehend.New(start(t, f), comprehend.Options{})
	text := "Seen by Okafor."
	spans, err := d.Detect(context.Background(), text, phi.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(text, spans); !slices.Equal(got, []found{{"Okafor", phi.Name}}) {
		t.Errorf("spans %v", got)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3 (two retried)", n)
	}
}

func TestDetectRespectsContext(t *testing.T) {
	f := newFake(t)
	f.hang = true
	d := comprehend.New(start(t, f), comprehend.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := d.Detect(ctx, secret, phi.Hints{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the context's deadline", err)
	}
	if time.Since(began) > 5*time.Second {
		t.Errorf("Detect returned %v after the deadline", time.Since(began))
	}
	if strings.Contains(err.Error(), "Okafor") {
		t.Errorf("error %q holds the text", err)
	}

	// A context already done sends nothing.
	f2 := newFake(t)
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err = comprehend.New(start(t, f2), comprehend.Options{}).Detect(canceled, secret, phi.Hints{})
	if !errors.Is(err, context.Canceled) || len(f2.requests()) != 0 {
		t.Errorf("canceled context: error %v, %d requests", err, len(f2.requests()))
	}
}

func TestDetectEmptyText(t *testing.T) {
	f := newFake(t)
	d := comprehend.New(start(t, f), comprehend.Options{})
	for _, text := range []string{"", " \n\t "} {
		spans, err := d.Detect(context.Background(), text, phi.Hints{})
		if err != nil || spans != nil {
			t.Errorf("Detect(%q) = %v, %v", text, spans, err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests for empty text", n)
	}
}

func TestLoad(t *testing.T) {
	// Keep the developer's own AWS settings out of the test.
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	f := newFake(t, mark{"Okafor", "NAME", 0.9})
	f.region = "eu-west-2"
	srv := httptest.NewServer(f)
	defer srv.Close()
	client, err := comprehend.Load(context.Background(), "eu-west-2",
		config.WithBaseEndpoint(srv.URL),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDKILNTEST", "kiln-test-secret", "")),
	)
	if err != nil {
		t.Fatal(err)
	}
	spans, err := comprehend.New(client, comprehend.Options{}).Detect(context.Background(), "Okafor", phi.Hints{})
	if err != nil || len(spans) != 1 {
		t.Fatalf("Detect = %v, %v", spans, err)
	}

	if _, err := comprehend.Load(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("Load without a region: %v", err)
	}
}
