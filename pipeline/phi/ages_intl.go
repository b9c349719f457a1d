package phi

import (
	"regexp"
	"strings"
)

// Ages over 89 written in words of other languages (detector 1.19.0):
// "Tiene noventa y dos años", "qui a quatre-vingt-treize ans", "Zij is
// drieënnegentig", "she is 93 (девяносто три)". The training sets held
// dozens the rules missed. A number word is an age where the word for
// years follows it, where an age cue comes before it, or where it glosses
// an age just written in digits ("91 ("doksan bir")").

// foreignAgeWordsRE matches the numbers 90 to 129 in words, in the
// languages of the communities our documents come from. Each entry is a
// regular expression for one language's nineties (a unit word may follow,
// joined as that language joins it) or hundred.
var foreignAgeWordsRE = func() string {
	// Longer words first: the alternation takes the first that matches.
	units := func(words string) string {
		ws := strings.Fields(words)
		sortByLenDesc(ws)
		return "(?:" + strings.Join(ws, "|") + ")"
	}
	es := units("uno un una dos tres cuatro cinco seis siete ocho nueve")
	pt := units("um uma dois duas três tres quatro cinco seis sete oito nove")
	ru := units("один одна два две три четыре пять шесть семь восемь девять")
	tr := units("bir iki üç dört beş altı yedi sekiz dokuz")
	sl := units("jedan jedna dva dvije tri četiri pet šest sedam osam devet")
	cs := units("jedna dva tři čtyři pět šest sedm osm devět")
	id := units("satu dua tiga empat lima enam tujuh delapan lapan sembilan")
	sq := units("një dy tre katër pesë gjashtë shtatë tetë nëntë")
	pl := units("jeden dwa trzy cztery pięć sześć siedem osiem dziewięć")
	sw := units("moja mbili tatu nne tano sita saba nane tisa")
	entries := []string{
		// Spanish, Portuguese and the creoles that share their words
		`noventa(?:[ \t]+[yei][ \t]+(?:` + es + `|` + pt + `))?`, `ciento(?:[ \t]+` + es + `)?`, `cien`, `cento(?:[ \t]+e[ \t]+` + pt + `)?`,
		// Catalan, Italian, French (France and Belgium, Switzerland)
		`noranta(?:-(?:una|un|u|dos|tres|quatre|cinc|sis|set|vuit|nou))?`,
		`novant(?:a|uno|adue|atré|atre|aquattro|acinque|asei|asette|otto|anove)`,
		`quatre-vingt-(?:dix-sept|dix-huit|dix-neuf|dix|onze|douze|treize|quatorze|quinze|seize)`,
		`nonante(?:-(?:et-un|deux|trois|quatre|cinq|six|sept|huit|neuf|un))?`, `cent[ -](?:un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)`,
		// German, Dutch, Afrikaans, Scandinavian, Faroese and Icelandic
		`(?:ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun)undneunzig`, `neunzig`, `hundert(?:(?:und)?(?:eins|zwei|drei|vier|fünf))?`,
		`(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen)[eë]?n(?:negentig)`, `negentig`, `honderd`,
		`(?:een|twee|drie|vier|vyf|ses|sewe|agt|nege)-en-negentig`,
		`nitti(?:o)?(?:fyra|fire|seks|åtte|åtta|ett|två|tre|fem|sex|syv|sju|nio|en|to|ni)?`,
		`(?:ein|eitt|tvey|trý|fýra|fimm|seks|sjey|átta|níggju)[ \t]+og[ \t]+níti`, `níutíu(?:[ \t]+og[ \t]+\p{L}+)?`,
		// Slavic, Baltic, Hungarian, Greek, Albanian, Turkic
		`dziewięćdziesiąt(?:[ \t]+` + pl + `)?`, `devadesát(?:[ \t]+` + cs + `)?`, `deväťdesiat(?:[ \t]+\p{L}+)?`,
		`(?:ena|dva|tri|štiri|pet|šest|sedem|osem|devet)indevetdeset`, `devetdeset`, `devedeset(?:[ \t]+` + sl + `)?`,
		`девяносто(?:[ \t]+` + ru + `)?`, `дев'яносто(?:[ \t]+\p{L}+)?`, `деветдесет(?:[ \t]+и[ \t]+\p{L}+)?`, `сто(?:[ \t]+` + ru + `)?`,
		`deviņdesmit(?:[ \t]+\p{L}+)?`, `devyniasdešimt(?:[ \t]+\p{L}+)?`, `kilencven(?:kettő|három|kilenc|nyolc|négy|egy|két|hat|hét|öt)?`,
		`ενενήντα(?:[ \t]+\p{L}+)?`, `nëntëdhjetë(?:[ \t]+e[ \t]+` + sq + `)?`,
		`doksan(?:[ \t]+` + tr + `)?`, `токсон(?:[ \t]+(?:бир|эки|үч|төрт|беш|алты|жети|сегиз|тогуз))?`,
		// Malay and Indonesian, Filipino, Swahili
		`sembilan[ \t]+puluh(?:[ \t]+` + id + `)?`, `seratus`, `siyamnapu(?:'t[ \t]+\p{L}+)?`, `tisini(?:[ \t]+na[ \t]+` + sw + `)?`,
	}
	return "(?:" + strings.Join(entries, "|") + ")"
}()

var (
	// reForeignAgeWords finds the number words; the letters around a
	// match are checked in code, as Go's \b knows only ASCII.
	reForeignAgeWords = regexp.MustCompile(`(?i)` + foreignAgeWordsRE)
	// reForeignAgeCue: words before an age in the languages above ("tiene",
	// "ela tem", "qui a", "zij is", "berumur", "edad", "godina"), and the
	// English cues of reAgeCueBefore.
	reForeignAgeCue = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:tiene|tenía|tem|tinha|cumple|cumplió|cumpliu|edad|idade|a|avait|ha|aveva|ist|war|wird|is|was|wordt|werd|är|var|er|eri|ima|imala|je|bila|bio|jest|má|ma|berumur|umur|usia|umri|godina|godine|vârsta|возраст|ей|ему|yaşında|yaşı)[ \t]*:?[ \t]*$`)
	// reAgeGlossBefore: an age in digits or English words just before,
	// which the words in another language gloss: "91 ("doksan bir"",
	// "93⏎(девяносто три", "Age: 92 / nëntëdhjetë", "ninety-nine⏎("".
	reAgeGlossBefore = regexp.MustCompile(`(?i)(?:\b(?:9\d|1[01]\d|12[0-5])|ninety(?:[- ]\w+)?|hundred)(?:[ \t]+(?:ans|años|anos|år|years?|yrs))?[\s(/\[,"“'«]*$`)
)

// ageWordStems are the parts of the number words above that start or end
// a word of them, folded as token keys are: the triggers of the pattern.
var ageWordStems = func() []string {
	var out []string
	for _, w := range strings.Fields(`noventa ciento cien cento noranta novant quatre-vingt nonante cent neunzig hundert negentig
		honderd nitti niti niutiu dziewiecdziesiat devadesat devatdesiat devetdeset devedeset девяносто дев'яносто деветдесет сто
		devindesmit devyniasdesimt kilencven ενενηντα nentedhjete doksan токсон sembilan seratus siyamnapu tisini`) {
		out = append(out, fold(w))
	}
	return out
}()

// isAgeWord triggers reForeignAgeWords: a word that starts or ends with
// one of ageWordStems.
func isAgeWord(t token) bool {
	if !t.isWord() {
		return false
	}
	for _, s := range ageWordStems {
		if strings.HasPrefix(t.key, s) || strings.HasSuffix(t.key, s) {
			return true
		}
	}
	return false
}

// findForeignAgeWords reports the ages over 89 written in words of other
// languages that an age's context confirms.
func findForeignAgeWords(text string, toks []token) []Span {
	var out []Span
	for _, m := range matchNear(reForeignAgeWords, text, toks, isAgeWord, 2, 4) {
		if wordRuneBefore(text, m[0]) || letterAt(text, m[1]) {
			continue // inside a longer word
		}
		// A quote may open the words: she is "nege-en-negentig".
		rest, before := text[m[1]:], strings.TrimRight(text[max(0, m[0]-40):m[0]], "\"“'« \t")
		if reAgeUnit.MatchString(rest) {
			continue
		}
		if reAgeYearsAfter.MatchString(rest) || reForeignAgeCue.MatchString(before) || reAgeCueBefore.MatchString(before) || reAgeGlossBefore.MatchString(before) {
			out = append(out, Span{Start: m[0], End: m[1], Category: Age, Confidence: 0.75, Detector: "age-words"})
		}
	}
	return out
}
