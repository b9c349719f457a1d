package phi

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Dates written in other languages and scripts. Until 1.19.0 the detector
// knew the months of eight European languages; a probe of dates written
// the way each country writes them ("15 ноября 2026", "15. listopadu
// 2026", "2026 m. lapkričio 15 d.", "2026年11月15日", "15.XI.2026",
// "marzo de 2025", "en janvier") found the rest unredacted, so the tables
// below cover the languages of the communities our documents come from.
// A month name in another language is a date with a day number before it
// and a year or an ordinal mark (reDateForeign), with a year after it
// (reForeignMonthYear), or after a preposition of its own language
// (reForeignMonthCue).

// foreignMonthNames lists each language's month names January to December
// in the forms dates write them: the genitive or locative where the
// language declines the month ("15 ноября", "w marcu"), and the nominative
// where a month and year are written alone ("listopad 2026"). Calendars
// that are not Gregorian map their months to 1-12 in order, which only
// bounds the day.
var foreignMonthNames = []string{
	// Romance
	"enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
	"janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
	"janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
	"gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
	"ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie decembrie",
	"gener febrer març abril maig juny juliol agost setembre octubre novembre desembre",
	"janvye fevriye mas avril me jen jiyè out septanm oktòb novanm desanm",
	// Germanic
	"januar februar märz april mai juni juli august september oktober november dezember",
	"januari februari maart april mei juni juli augustus september oktober november december",
	"januari februari mars april maj juni juli augusti september oktober november december",
	"januar februar marts april maj juni juli august september oktober november december",
	"januar februar mars april mai juni juli august september oktober november desember",
	"janúar febrúar mars apríl maí júní júlí ágúst september október nóvember desember",
	"januarie februarie maart april mei junie julie augustus september oktober november desember",
	// Finno-Ugric and Baltic
	"január február március április május június július augusztus szeptember október november december",
	"tammikuuta helmikuuta maaliskuuta huhtikuuta toukokuuta kesäkuuta heinäkuuta elokuuta syyskuuta lokakuuta marraskuuta joulukuuta",
	"tammikuu helmikuu maaliskuu huhtikuu toukokuu kesäkuu heinäkuu elokuu syyskuu lokakuu marraskuu joulukuu",
	"jaanuar veebruar märts aprill mai juuni juuli august september oktoober november detsember",
	"jaanuaril veebruaril märtsil aprillil mail juunil juulil augustil septembril oktoobril novembril detsembril",
	"janvāris februāris marts aprīlis maijs jūnijs jūlijs augusts septembris oktobris novembris decembris",
	"janvārī februārī martā aprīlī maijā jūnijā jūlijā augustā septembrī oktobrī novembrī decembrī",
	"sausio vasario kovo balandžio gegužės birželio liepos rugpjūčio rugsėjo spalio lapkričio gruodžio",
	"sausis vasaris kovas balandis gegužė birželis liepa rugpjūtis rugsėjis spalis lapkritis gruodis",
	// Slavic, Latin script
	"stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
	"styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień",
	"styczniu lutym marcu kwietniu maju czerwcu lipcu sierpniu wrześniu październiku listopadzie grudniu",
	"ledna února března dubna května června července srpna září října listopadu prosince",
	"leden únor březen duben květen červen červenec srpen září říjen listopad prosinec",
	"januára februára marca apríla mája júna júla augusta septembra októbra novembra decembra",
	"január február marec apríl máj jún júl august september október november december",
	"januarja februarja marca aprila maja junija julija avgusta septembra oktobra novembra decembra",
	"januar februar marec april maj junij julij avgust september oktober november december",
	"siječnja veljače ožujka travnja svibnja lipnja srpnja kolovoza rujna listopada studenoga prosinca",
	"siječanj veljača ožujak travanj svibanj lipanj srpanj kolovoz rujan listopad studeni prosinac",
	"januara februara marta aprila maja juna jula avgusta septembra oktobra novembra decembra",
	"januar februar mart april maj jun jul avgust septembar oktobar novembar decembar",
	// Cyrillic
	"января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
	"январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
	"январе феврале марте апреле мае июне июле августе сентябре октябре ноябре декабре",
	"січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
	"січень лютий березень квітень травень червень липень серпень вересень жовтень листопад грудень",
	"студзеня лютага сакавіка красавіка мая чэрвеня ліпеня жніўня верасня кастрычніка лістапада снежня",
	"януари февруари март април май юни юли август септември октомври ноември декември",
	"јануар фебруар март април мај јун јул август септембар октобар новембар децембар",
	"јануара фебруара марта априла маја јуна јула августа септембра октобра новембра децембра",
	"қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан",
	// Greek
	"ιανουαρίου φεβρουαρίου μαρτίου απριλίου μαΐου ιουνίου ιουλίου αυγούστου σεπτεμβρίου οκτωβρίου νοεμβρίου δεκεμβρίου",
	"ιανουάριος φεβρουάριος μάρτιος απρίλιος μάιος ιούνιος ιούλιος αύγουστος σεπτέμβριος οκτώβριος νοέμβριος δεκέμβριος",
	// Turkic
	"ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
	"yanvar fevral mart aprel may iyun iyul avqust sentyabr oktyabr noyabr dekabr",
	"yanvar fevral mart aprel may iyun iyul avgust sentabr oktabr noyabr dekabr",
	// Albanian, Celtic
	"janar shkurt mars prill maj qershor korrik gusht shtator tetor nëntor dhjetor",
	"janarit shkurtit marsit prillit majit qershorit korrikut gushtit shtatorit tetorit nëntorit dhjetorit",
	"ionawr chwefror mawrth ebrill mai mehefin gorffennaf awst medi hydref tachwedd rhagfyr",
	// Austronesian, African
	"januari februari maret april mei juni juli agustus september oktober november desember",
	"januari februari mac april mei jun julai ogos september oktober november disember",
	"enero pebrero marso abril mayo hunyo hulyo agosto setyembre oktubre nobyembre disyembre",
	"januari februari machi aprili mei juni julai agosti septemba oktoba novemba desemba",
	"janaayo febraayo maarso abriil may juun luulyo ogost sebtembar oktoobar nofembar desembar",
	"janairu fabrairu maris afrilu mayu yuni yuli agusta satumba oktoba nuwamba disamba",
	// Arabic, Hindi and Thai scripts (Gregorian)
	"يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
	"جانفي فيفري مارس أفريل ماي جوان جويلية أوت سبتمبر أكتوبر نوفمبر ديسمبر",
	"जनवरी फ़रवरी मार्च अप्रैल मई जून जुलाई अगस्त सितंबर अक्टूबर नवंबर दिसंबर",
	"มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม",
	// Other calendars, transliterated: otherCalendars below.
}

// otherCalendars are the months of calendars other than the Gregorian,
// transliterated, with the years a date of theirs is written in now:
// Persian, Afghan (the zodiac names of Dari, since 1.23.0), Nepali
// (Bikram Sambat), Ethiopian (Pagume, the thirteenth, is counted as the
// twelfth), Hebrew and Hijri. Their names join foreignMonths; a year in
// their own range makes a date of them ("Aban 1405", "12 Ramadan 1447"),
// and a day before them does too ("28 Aban", "20 Aqrab"), which the
// Gregorian names of other languages that are also names may not.
var otherCalendars = []struct {
	months   string
	from, to int
}{
	{"farvardin ordibehesht khordad tir mordad shahrivar mehr aban azar dey bahman esfand", 1300, 1499},
	{"hamal sawr jawza saratan asad sonbola mizan aqrab qaws jadi dalw hut", 1300, 1499},
	{"baisakh jestha asar shrawan bhadra asoj kartik mangsir poush magh falgun chaitra", 2000, 2199},
	{"meskerem tikimt hidar tahsas tir yekatit megabit miyazya ginbot sene hamle nehase", 1900, 2099},
	{"tishrei cheshvan kislev tevet shevat adar nisan iyar sivan tammuz av elul", 5700, 5899},
	{"muharram safar rabi'_al-awwal rabi'_al-thani jumada_al-awwal jumada_al-thani rajab sha'ban ramadan shawwal dhu_al-qadah dhu_al-hijjah", 1350, 1499},
}

// otherCalendarYears maps each month of otherCalendars (and its variants
// in foreignMonthVariants), lower case, to the years of its calendar.
var otherCalendarYears = func() map[string][2]int {
	m := map[string][2]int{}
	for _, c := range otherCalendars {
		for _, w := range strings.Fields(c.months) {
			m[strings.ReplaceAll(w, "_", " ")] = [2]int{c.from, c.to}
		}
	}
	for w, calendar := range map[string]string{
		"pagume": "meskerem", "heshvan": "tishrei", "marcheshvan": "tishrei", "teves": "tishrei", "tamuz": "tishrei",
		"saur": "hamal", "jauza": "hamal", "sunbula": "hamal", "sumbula": "hamal", "qaus": "hamal", "dalv": "hamal", "hoot": "hamal",
	} {
		m[w] = m[calendar]
	}
	for w := range foreignMonthVariants {
		if strings.HasPrefix(w, "rabi") || strings.HasPrefix(w, "jumada") || strings.HasPrefix(w, "dhu") || w == "shaban" {
			m[strings.ReplaceAll(w, "_", " ")] = m["muharram"]
		}
	}
	return m
}()

// calendarDayMonth reports whether a day and the month mon of another
// calendar, ending at end, are a date with no year ("28 Aban", "20
// Aqrab"), 1.23.0: the month is no English word ("Hut", "Av") and no
// capitalised word follows it, as a family name follows a given name
// ("bed 12 Asad Khan").
func calendarDayMonth(text, mon string, end int) bool {
	n := strings.ToLower(mon)
	if _, ok := otherCalendarYears[n]; !ok || n == "hut" || n == "av" || n == "tir" {
		return false
	}
	rest := strings.TrimLeft(text[end:], " \t")
	r, _ := utf8.DecodeRuneInString(rest)
	return !unicode.IsUpper(r)
}

// calendarYear reports whether y is a year of now in the calendar of the
// month named mon, Gregorian or other.
func calendarYear(mon string, y int) bool {
	if y >= 1800 && y <= 2199 {
		return true
	}
	r, ok := otherCalendarYears[strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(mon, "\u2019", "'")), " "))]
	return ok && y >= r[0] && y <= r[1]
}

// foreignMonthVariants are spellings the tables leave out: older or
// regional forms and the transliterations of the Hijri months without
// their apostrophes or with "ul" for "al".
var foreignMonthVariants = map[string]int{
	"setiembre": 9, "jänner": 1, "studenog": 11, "pagume": 12, "heshvan": 2, "marcheshvan": 2, "teves": 4, "tamuz": 10,
	"saur": 2, "jauza": 3, "sunbula": 6, "sumbula": 6, "qaus": 9, "dalv": 11, "hoot": 12,
	"rabi_al-awwal": 3, "rabi_ul-awwal": 3, "rabi_al-thani": 4, "rabi_ul-thani": 4, "rabi'_al-akhir": 4, "jumada_al-ula": 5,
	"jumada_al-akhirah": 6, "shaban": 8, "dhul-qadah": 11, "dhul-hijjah": 12, "dhu_al-qa'dah": 11,
	"sept": 9, "févr": 2, "janv": 1, "avr": 4, "juil": 7, "déc": 12,
}

// foreignMonthAbbrevs are the short forms of Spanish, Portuguese,
// Italian, German, Dutch and Scandinavian months that English's do not
// cover ("2 dic. 2026", "14 okt 2025", "3 dez. 2026"), 1.22.0. Many are
// words or names too ("ago", "set", "des", "Ene"), so they make a date
// only with a day before them and a year after.
var foreignMonthAbbrevs = map[string]int{
	"ene": 1, "abr": 4, "ago": 8, "dic": 12, "fev": 2, "dez": 12, "set": 9, "gen": 1, "mag": 5, "giu": 6, "lug": 7,
	"ott": 10, "okt": 10, "mär": 3, "mrz": 3, "mrt": 3, "des": 12, "maj": 5,
}

// foreignMonths maps every name above, lower case, its words joined by a
// space, to 1-12. A name two languages give different months ("listopad"
// is November in Polish and Czech, October in Croatian) maps to 1, so
// only a day over 31 refutes it.
var foreignMonths = func() map[string]int {
	m := map[string]int{}
	put := func(w string, n int) {
		w = strings.ReplaceAll(w, "_", " ")
		if old, ok := m[w]; ok && old != n {
			n = 1
		}
		m[w] = n
	}
	for _, lang := range foreignMonthNames {
		for i, w := range strings.Fields(lang) {
			put(w, i+1)
		}
	}
	for _, c := range otherCalendars {
		for i, w := range strings.Fields(c.months) {
			put(w, i+1)
		}
	}
	for w, n := range foreignMonthVariants {
		put(w, n)
	}
	for w, n := range foreignMonthAbbrevs {
		put(w, n)
	}
	return m
}()

// foreignMonthNumber returns the month a name in foreignMonths stands for,
// or 0; apostrophes may be typed straight or curly.
func foreignMonthNumber(s string) int {
	s = strings.ToLower(strings.ReplaceAll(s, "\u2019", "'"))
	return foreignMonths[strings.Join(strings.Fields(s), " ")]
}

// foldedForeignMonths are the first words of foreignMonths' names folded
// as token keys are: the triggers of the patterns below.
var foldedForeignMonths = func() map[string]bool {
	m := make(map[string]bool, len(foreignMonths))
	for w := range foreignMonths {
		m[fold(strings.Fields(w)[0])] = true
	}
	return m
}()

// isForeignMonth triggers the foreign date patterns (matchNear).
func isForeignMonth(t token) bool { return t.isWord() && foldedForeignMonths[t.key] }

// foreignMonthRE matches any name of foreignMonths, longest first; the
// words of a name may be joined by any run of spaces and the apostrophe
// may be curly. Go's \b knows only ASCII letters, so the patterns check
// the letter after a match themselves (letterAt).
var foreignMonthRE = func() string {
	ws := make([]string, 0, len(foreignMonths))
	for w := range foreignMonths {
		q := regexp.QuoteMeta(w)
		q = strings.ReplaceAll(q, " ", `[ \t]+`)
		q = strings.ReplaceAll(q, "'", `['\x{2019}]`)
		ws = append(ws, q)
	}
	sortByLenDesc(ws)
	return "(?:" + strings.Join(ws, "|") + ")"
}()

// letterAt reports whether a letter starts at text[i]: a match that
// ends there ended inside a word.
func letterAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isLetter(r)
}

// wordRuneBefore reports whether a letter or a digit ends just before
// text[i].
func wordRuneBefore(text string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isLetter(r) || unicode.IsDigit(r)
}

var (
	// reDateForeign: a day and a month named in another language, with
	// the year or the Iberian "de" ("7 de mayo de 2024", "14. März 2024",
	// "21 febbraio 2024", "3 września 2023", "15 ноября 2026 г."): a
	// number before a month name is a date in every one of them.
	reDateForeign = regexp.MustCompile(`(?i)\b(\d{1,2})(\.|er|º|-го)?[ \t]+(de[ \t]+)?(` + foreignMonthRE + `)(?:\.?[ \t]+(?:de[ \t]+)?(\d{4})\b)?`)
	// reDateHU: the year-first form of Hungarian ("2024. március 12."),
	// Lithuanian ("2026 m. lapkričio 15 d.") and Latvian ("2026. gada 15.
	// novembrī"), the year's word and the day's mark inside the span.
	reDateHU = regexp.MustCompile(`(?i)\b(\d{4})(?:\.|[ \t]+m\.)[ \t]+(?:gada[ \t]+(\d{1,2})\.[ \t]*)?(` + foreignMonthRE + `)(?:[ \t]+(\d{1,2})(?:\.|[ \t]*d\.)?)?`)
	// reForeignMonthYear: a month and a year, "marzo de 2025", "août
	// 2026", "listopad 2026", "Mei 2026".
	reForeignMonthYear = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(` + foreignMonthRE + `)\.?,?[ \t]+(?:(?:de|del|di)[ \t]+)?(\d{4})\b`)
	// reForeignMonthDay: the month first and then the day, "kislev 16",
	// "agosto 8", "Kasım 15", "lapkričio 20 d." (since 1.19.0), no digit
	// or letter after.
	reForeignMonthDay = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(` + foreignMonthRE + `)\.?[ \t]+(\d{1,2})(?:st|nd|rd|th|\.|([ \t]d\.))?(?:[^\p{L}\p{N}.,/:-]|[.,][ \t\n]|$)`)
	// reForeignMonthCue: a month alone after a word of time in its own
	// language ("en marzo", "depuis janvier", "seit März", "w marcu", "в
	// марте", "desde setembro"); foreignMonthAlone decides which names
	// may stand alone.
	reForeignMonthCue = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(?:en|em|im|seit|sinds|desde|depuis|hasta|até|ate|bis|ab|dès|fin|finales[ \t]+de|principios[ \t]+de|mediados[ \t]+de|inicios[ \t]+de|início[ \t]+de|inicio[ \t]+de|começo[ \t]+de|final[ \t]+de|fim[ \t]+de|début|anfang|ende|mitte|eind|begin|in|di|bulan|mwezi|w|od|do|в|с|до)[ \t]+(` + foreignMonthRE + `)`)
	// reRomanMonthDate: a date with the month in Roman numerals, as
	// Polish, Czech, Romanian and Hungarian records write it ("15.XI.2026",
	// "3 XI 2026", "15/XI/2026"), with a four-digit year.
	reRomanMonthDate = regexp.MustCompile(`\b(\d{1,2})([./ -])(XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)([./ -])(\d{4})\b`)
	// reCJKDate: Chinese and Japanese "2026年11月15日", "11月15日",
	// Korean "2026년 11월 15일"; reVietDate: "15 tháng 11 năm 2026".
	reCJKDate  = regexp.MustCompile(`(?:(\d{2,4})[ \t]*(?:年|년)[ \t]*)?(\d{1,2})[ \t]*(?:月|월)(?:[ \t]*(\d{1,2})[ \t]*(?:日|일|号|號))?`)
	reVietDate = regexp.MustCompile(`(?i)\b(\d{1,2})[ \t]+tháng[ \t]+(\d{1,2})(?:[ \t]+năm[ \t]+(\d{4}))?`)
)

// romanMonths maps the Roman numerals of reRomanMonthDate to 1-12.
var romanMonths = map[string]int{"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10, "xi": 11, "xii": 12}

// foreignMonthAlone reports whether a month name may be a date with no
// day or year: one of four letters or more that is no English word or
// common name ("mayo", "julio", "abril" and "agosto" are names too), and
// not a month of a calendar whose names are also personal names.
func foreignMonthAlone(name string) bool {
	n := strings.ToLower(name)
	// English names alone are the English rules' (dates.go), which know
	// which of them are also words.
	if utf8.RuneCountInString(n) < 4 || strings.Contains(n, " ") || monthNumbers[n] != 0 || isFullMonth(n) {
		return false
	}
	switch n {
	case "mayo", "julio", "abril", "agosto", "mars", "juni", "julie", "junie", "juli", "mail", "augusta", "mehr", "azar",
		"bahman", "kartik", "chaitra", "safar", "rajab", "ramadan", "shawwal", "muharram", "nisan", "adar", "elul", "sivan",
		"tammuz", "hidar", "ginbot", "hamle", "sene", "magh", "poush", "aban", "asar", "mart", "maris", "medi":
		return false
	}
	if r, ok := otherCalendarYears[n]; ok && r == otherCalendarYears["hamal"] {
		return false // the Afghan months are the zodiac's names and people's ("Asad", "Mizan")
	}
	return true
}

// namedLikeMonth are month names that are also surnames or words, which
// a year may follow as it follows a name ("Dr. Dey 2024"): not dates
// with a year alone.
var namedLikeMonth = map[string]bool{"mayo": true, "dey": true, "azar": true, "safar": true, "rajab": true, "mehr": true,
	"kartik": true, "tir": true, "av": true, "me": true, "out": true, "mas": true, "jen": true, "maris": true, "medi": true, "mail": true,
	"set": true, "ago": true, "des": true, "gen": true, "mag": true}

// namedLikeMonthLower are Spanish month names that are also names, which
// a day after them makes the month when written in lower case ("agosto
// 8"), as names are not.
var namedLikeMonthLower = map[string]bool{"mayo": true, "julio": true, "abril": true, "agosto": true, "mars": true, "juni": true, "juli": true}

// isLowerWord reports a word with no capital letter.
func isLowerWord(s string) bool { return strings.ToLower(s) == s }

// findIntlDates reports the dates of other languages and scripts
// described above.
func findIntlDates(text string, toks []token) []Span {
	var out []Span
	add := func(start, end int, conf float64, detector string) {
		out = append(out, Span{Start: start, End: timeAfter(text, end), Category: Date, Confidence: conf, Detector: detector})
	}
	for _, m := range matchNear(reDateForeign, text, toks, isForeignMonth, 3, 5) {
		if letterAt(text, m[9]) {
			continue // the start of a longer word
		}
		d, mo, y := atoi(text[m[2]:m[3]]), foreignMonthNumber(text[m[8]:m[9]]), 0
		if m[10] >= 0 {
			y = atoi(text[m[10]:m[11]])
		}
		// Without a year only "de", an ordinal mark or a month name that is
		// no other word says date ("14 tevet", "15 noiembrie", not "3 mars").
		// An abbreviation wants the year: "1. Ene Saar" is a list's first
		// item and a name.
		if m[10] < 0 && foreignMonthAbbrevs[strings.ToLower(text[m[8]:m[9]])] != 0 {
			continue
		}
		if m[10] < 0 && m[6] < 0 && m[4] < 0 && !foreignMonthAlone(text[m[8]:m[9]]) && !calendarDayMonth(text, text[m[8]:m[9]], m[9]) || !validDate(y, mo, d) || digitRunBefore(text, m[0]) ||
			m[10] < 0 && reAgeUnit.MatchString(text[m[9]:]) {
			continue
		}
		conf := 0.9
		if y != 0 {
			conf = 0.95
		}
		add(m[0], m[1], conf, "date")
	}
	for _, m := range matchNear(reDateHU, text, toks, isForeignMonth, 5, 3) {
		if letterAt(text, m[7]) {
			continue
		}
		y, mo, d := atoi(text[m[2]:m[3]]), foreignMonthNumber(text[m[6]:m[7]]), 0
		switch {
		case m[4] >= 0:
			d = atoi(text[m[4]:m[5]])
		case m[8] >= 0:
			d = atoi(text[m[8]:m[9]])
		}
		if d == 0 {
			d = 1 // a month and its year ("2024. március")
		}
		if y < 1800 || y > 2199 || !validDate(y, mo, d) {
			continue
		}
		add(m[0], m[1], 0.95, "date")
	}
	for _, m := range matchNear(reForeignMonthYear, text, toks, isForeignMonth, 1, 4) {
		if y := atoi(text[m[4]:m[5]]); !calendarYear(text[m[2]:m[3]], y) || namedLikeMonth[strings.ToLower(text[m[2]:m[3]])] {
			continue
		}
		add(m[2], m[5], 0.95, "date-month")
	}
	for _, m := range matchNear(reForeignMonthDay, text, toks, isForeignMonth, 1, 4) {
		mon, end := text[m[2]:m[3]], m[5]
		if m[6] >= 0 {
			end = m[7] // the Lithuanian day's "d."
		}
		if letterAt(text, m[3]) || !foreignMonthAlone(mon) && !(isLowerWord(mon) && namedLikeMonthLower[strings.ToLower(mon)]) ||
			!validDate(0, foreignMonthNumber(mon), atoi(text[m[4]:m[5]])) || reAgeUnit.MatchString(text[end:]) {
			continue
		}
		add(m[2], end, 0.85, "date")
	}
	for _, m := range matchNear(reForeignMonthCue, text, toks, isForeignMonth, 3, 0) {
		if letterAt(text, m[3]) || !foreignMonthAlone(text[m[2]:m[3]]) {
			continue
		}
		out = append(out, Span{Start: m[2], End: m[3], Category: Date, Confidence: 0.7, Detector: "date-month"})
	}
	for _, m := range matchNear(reRomanMonthDate, text, toks, isRomanMonth, 2, 2) {
		d, mo, y := atoi(text[m[2]:m[3]]), romanMonths[strings.ToLower(text[m[6]:m[7]])], atoi(text[m[10]:m[11]])
		if text[m[4]:m[5]] != text[m[8]:m[9]] || y < 1800 || y > 2199 || !validDate(y, mo, d) || digitRunAround(text, m[0], m[1]) {
			continue
		}
		add(m[0], m[1], 0.95, "date")
	}
	if strings.ContainsAny(text, "月월") {
		for _, m := range reCJKDate.FindAllStringSubmatchIndex(text, -1) {
			mo, d := atoi(text[m[4]:m[5]]), 0
			if m[6] >= 0 {
				d = atoi(text[m[6]:m[7]])
			}
			// A month alone ("3月") is a date only with its year.
			if m[2] < 0 && m[6] < 0 || mo < 1 || mo > 12 || d != 0 && !validDate(0, mo, d) || wordRuneBefore(text, m[0]) && !cjkBefore(text, m[0]) {
				continue
			}
			add(m[0], m[1], 0.9, "date")
		}
	}
	for _, m := range matchNear(reVietDate, text, toks, keyIn("thang"), 2, 4) {
		d, mo := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]])
		if !validDate(0, mo, d) || digitRunBefore(text, m[0]) {
			continue
		}
		add(m[0], m[1], 0.9, "date")
	}
	return out
}

// isRomanMonth triggers reRomanMonthDate: a Roman numeral in capitals.
func isRomanMonth(t token) bool { return t.shape != shLower && t.isWord() && romanMonths[t.key] != 0 }

// cjkBefore reports a Han, Hangul or kana character before text[i]: CJK
// text runs words together, so a date may follow a word with no space.
func cjkBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana)
}
