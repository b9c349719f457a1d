package phi

import (
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
)

// Tables (detector 1.9.0): exports pasted into notes and messages ("CSV
// below", a registry pull, a pipe table) put a value's kind in the header,
// not beside the value: "…,initials,dob,…,zip" over "…,J.R.,1958-04-11,…,
// 97217". The header names a column's category; every cell under it is
// then that PHI, initials and bare ZIP codes the other rules cannot tell
// from codes included.

// columnCategories maps a header cell, lower-cased with everything but
// letters and digits removed, to the category of the column's cells.
var columnCategories = func() map[string]Category {
	m := map[string]Category{}
	for cat, names := range map[Category]string{
		Name: `name patientname ptname firstname lastname fname lname first last middlename mi initials ptinitials
			membername subscribername guarantorname contactname emergencycontact nextofkin caregiver employeename
			patient surname givenname` +
			// Since 1.11.0: the staff who did or signed a row, whose
			// initials ("AHB", "MK") no other rule can tell from codes.
			` provider clinician staff nurse by initial enteredby verifiedby signedby checkedby reviewedby recordedby
			performedby givenby administeredby collectedby completedby doneby takenby approvedby author user tech
			technician therapist pharmacist counselor caseworker casemanager worker officer agent rep volunteer driver
			witness signature sign` +
			// Since 1.12.0: a column headed by the staff's credential
			// ("| RN |", ",md") holds their initials.
			` md rn lpn np rph crna`,
		Location: `zip zipcode postal postalcode postcode city town address address1 address2 street streetaddress addr
			county`,
		Date: `dob dos dod dateofbirth birthdate date appt appointment admit admitted discharge discharged visit
			collected svcfrom svcto servicefrom serviceto from to datetime timestamp when`,
		Phone: `phone phonenumber tel telephone mobile cell homephone workphone cellphone contactphone`,
		Email: `email emailaddress`,
		Age:   `age ageyrs ageyears edad idade`,
	} {
		for _, n := range strings.Fields(names) {
			m[n] = cat
		}
	}
	// Since 1.23.0 the headers of other languages, folded as headerKey
	// folds them ("Prénom" is "prenom"), which bilingual headers pair
	// with English ("Barrio / ZIP", "Emri Mbiemri / Name"; see
	// headerCategory).
	for cat, names := range map[Category]string{
		Name: `nombre nombres nombrecompleto apellido apellidos nom prenom nomcomplet nomprenom nome cognome sobrenome
			nomecompleto vorname nachname naam voornaam achternaam emri mbiemri emrimbiemri nama namalengkap hoten ten
			imie nazwisko familiya`,
		Location: `codigopostal cpostal plz postleitzahl codepostal kodipostar ciudad ville cidade citta stadt ort
			localidad municipio barrio colonia bairro quartier direccion domicilio adresse endereco indirizzo anschrift
			adres alamat desa kelurahan village aldea pueblo neighborhood neighbourhood`,
		Date: `fechadenacimiento fechanacimiento fnac fechanac datedenaissance datenaissance datanascimento
			datadinascita geburtsdatum geboortedatum tanggallahir tgllahir`,
		Phone:      `telefono telefone telefoni telefon celular movil portable handy nohp whatsapp`,
		Age:        `alter leeftijd umur usia eta`,
		Email:      `correo correoelectronico courriel`,
		MRN:        `mrn medicalrecordnumber chartno chartnumber`,
		SSN:        `ssn socialsecuritynumber`,
		HealthPlan: `memberid memberno subscriberid medicaidid medicareid mbi policyno policynumber insuranceid`,
		Account:    `account accountno accountnumber acct fin`,
		ID: `participantid subjectid studyid screenno screeningno randid claimid claimno caseno caseid npi accession
			accessionno username userid`,
	} {
		for _, n := range strings.Fields(names) {
			m[n] = cat
		}
	}
	return m
}()

// reHeaderLabel is a label before a header line ("Fields: claim_id |
// member_id | …", "Columns: …"): the header follows it.
var reHeaderLabel = regexp.MustCompile(`^[ \t]*(?i:fields|columns|cols|header|headers)[ \t]*:[ \t]*`)

// notPersonCell are the values of a staff column that name no person: the
// patient, a relative or a system did the row.
var notPersonCell = keySet(`self patient pt family mom dad mother father parent caregiver system auto interface pharmacy
	lab staff rn md np nurse provider unknown other y n yes no x done given held`)

// headerCategory returns the category a header cell names: the whole
// cell's, or else that of one of its halves when it pairs two languages
// or two fields ("Barrio / ZIP", "city / state"), 1.23.0. A bracket is
// no such pair: "RN (charge)" is a legend's credential.
func headerCategory(cell string) (Category, bool) {
	if c, ok := columnCategories[headerKey(cell)]; ok {
		return c, true
	}
	parts := strings.Split(cell, "/")
	if len(parts) < 2 {
		return "", false
	}
	for _, p := range parts {
		if c, ok := columnCategories[headerKey(p)]; ok {
			return c, true
		}
	}
	return "", false
}

// headerKey normalises a header cell for columnCategories.
func headerKey(cell string) string {
	var b strings.Builder
	for _, r := range fold(cell) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	k := b.String()
	if strings.HasSuffix(k, "date") && k != "date" {
		// "consent_date", "last_visit_date": a record's dates are PHI.
		return "dob"
	}
	return k
}

// reCellDate is a cell that can be a date: two numbers joined by a date's
// separator, or a month's name and a number.
var reCellDate = regexp.MustCompile(`\d[/.-]\d|(?i:\b` + monthRE + `\.?[ \t]+\d|\d[ \t]+` + monthRE + `\b)`)

// emptyCell are the cell values that hold no data.
var emptyCell = map[string]bool{"": true, "-": true, "--": true, "n/a": true, "na": true, "none": true, "null": true, "unknown": true, "unk": true, "tbd": true}

// findTableColumns reports the cells of the columns whose header names a
// kind of PHI, in runs of delimited lines under a header line, and the
// cells without digits of the header lines that name two such columns or
// more over at least one row: they are column names, not PHI ("| Emri
// Mbiemri / Name | Telefoni |"), and Detect drops what other rules found
// in them (1.23.0).
func findTableColumns(text string) (cells []Span, headers [][2]int) {
	var out []Span
	lines := splitLines(text)
	for i := 0; i < len(lines); i++ {
		// A header has no sentence punctuation: prose with commas is
		// refused before it is parsed.
		head := reHeaderLabel.ReplaceAllString(lines[i].s, "")
		delim := tableDelimiter(head)
		if delim == 0 || proseHeader(head, delim) {
			continue
		}
		header, hpos := readRow(head, delim)
		cats := make([]Category, len(header))
		mapped := 0
		for k, h := range header {
			h = strings.TrimSpace(h)
			if h == "" || len(h) > 40 || strings.ContainsAny(h, "0123456789") && !strings.ContainsAny(h, "_ ") {
				continue
			}
			if c, ok := headerCategory(h); ok {
				cats[k] = c
				mapped++
			}
		}
		if len(header) < 3 || mapped == 0 || !headerShaped(header) {
			continue
		}
		j := i + 1
		if j+1 < len(lines) && strings.TrimSpace(lines[j].s) == "" {
			j++ // a blank line between the header and its rows
		}
		rows := 0
		for ; j < len(lines); j++ {
			row, pos := readRow(lines[j].s, delim)
			if row == nil {
				break
			}
			if len(row) != len(header) {
				// A row with a stray quote or delimiter in a note is
				// skipped, not the end of the table (1.11.0).
				continue
			}
			rows++
			for k, cell := range row {
				v := cellValue(cats[k], strings.TrimSpace(cell))
				if cats[k] == "" || emptyCell[strings.ToLower(v)] || !cellFits(cats[k], v) {
					continue
				}
				at := strings.Index(lines[j].s[pos[k]:], v)
				if at < 0 {
					continue
				}
				start := lines[j].start + pos[k] + at
				out = append(out, Span{Start: start, End: start + len(v), Category: cats[k], Confidence: 0.7, Detector: "table-column"})
			}
		}
		if mapped >= 2 && rows > 0 {
			// A cell with a digit is no column's name: a flowsheet's
			// header may be its dates ("| name | dob | 11/20/2026 |").
			at := lines[i].start + len(lines[i].s) - len(head)
			for k, h := range header {
				if strings.TrimSpace(h) != "" && !strings.ContainsAny(h, "0123456789") {
					headers = append(headers, [2]int{at + hpos[k], at + hpos[k] + len(h)})
				}
			}
		}
		i = j - 1
	}
	return append(out, findAlignedColumns(text)...), headers
}

// dropInHeaders removes the spans that lie wholly inside a table's header
// cell (findTableColumns).
func dropInHeaders(spans []Span, headers [][2]int) []Span {
	if len(headers) == 0 {
		return spans
	}
	out := spans[:0]
	for _, s := range spans {
		if !slices.ContainsFunc(headers, func(h [2]int) bool { return s.Start >= h[0] && s.End <= h[1] }) {
			out = append(out, s)
		}
	}
	return out
}

// reColumnGap parts the cells of a table aligned with spaces.
var reColumnGap = regexp.MustCompile(`[ \t]{2,}`)

// alignedCategories are the categories an aligned table's column may
// carry: those whose cells cellFits checks by their form, so a column
// boundary read wrong finds nothing rather than a wrong word.
var alignedCategories = map[Category]bool{Age: true, Date: true, Phone: true, Email: true}

// findAlignedColumns reports the cells of the columns of a table aligned
// with spaces (a printed register, a form's household table: "LINE  NAME
// … DOB  AGE" over "1  FRANK, LILLIAN M  SELF  03/14/1934  92"), since
// 1.21.0. A header of three cells or more parted by two spaces or more,
// one of them naming an age, a date, a telephone or an e-mail column;
// every following line with as many cells is a row, until a blank line or
// two lines that do not fit.
func findAlignedColumns(text string) []Span {
	var out []Span
	lines := splitLines(text)
	for i := 0; i < len(lines); i++ {
		head := strings.TrimSpace(lines[i].s)
		if strings.ContainsAny(head, ",.;:!?|\t") {
			continue
		}
		header := reColumnGap.Split(head, -1)
		if len(header) < 3 || !headerShaped(header) {
			continue
		}
		cats := make([]Category, len(header))
		mapped := false
		for k, h := range header {
			if c, ok := headerCategory(h); ok && alignedCategories[c] {
				cats[k], mapped = c, true
			}
		}
		if !mapped {
			continue
		}
		misses := 0
		j := i + 1
		for ; j < len(lines) && misses < 2; j++ {
			line := lines[j].s
			trimmed := strings.TrimSpace(line)
			if trimmed == "" {
				break
			}
			row := reColumnGap.Split(trimmed, -1)
			if len(row) != len(header) {
				misses++
				continue
			}
			misses = 0
			at := strings.Index(line, trimmed)
			for k, cell := range row {
				pos := strings.Index(line[at:], cell)
				if pos < 0 {
					break
				}
				start := lines[j].start + at + pos
				at += pos + len(cell)
				if cats[k] == "" || emptyCell[strings.ToLower(cell)] || !cellFits(cats[k], cell) {
					continue
				}
				out = append(out, Span{Start: start, End: start + len(cell), Category: cats[k], Confidence: 0.7, Detector: "table-column"})
			}
		}
		i = j - 1
	}
	return out
}

// reAbbrevCell is a header cell that is one short abbreviation with its
// full stop: "Nr.", "No.", "Tel.", "Núm.".
var reAbbrevCell = regexp.MustCompile(`^[ \t]*\pL{1,4}\.[ \t]*$`)

// proseHeader reports a line that cannot be a header: sentence
// punctuation outside a cell that is one abbreviation ("| Nr. | Name |"
// is a header since 1.23.0, "Seen today, stable." is not).
func proseHeader(head string, delim rune) bool {
	for _, cell := range strings.Split(head, string(delim)) {
		if strings.ContainsAny(cell, ".;:!?") && !reAbbrevCell.MatchString(cell) {
			return true
		}
	}
	return false
}

// reCellRemark is a remark in brackets after a cell's value ("Mimoza
// (first name only)", "Dossou Prudence (pour sa fille Ablavi)"), and
// reCellState a state's postal code after a city ("Guymon OK").
var (
	reCellRemark = regexp.MustCompile(`^([^(]*\S)[ \t]+\(.*$`)
	reCellState  = regexp.MustCompile(`^(.*\S),?[ \t]+[A-Z]{2}$`)
	// reCellNickname is a remark that is a name itself, a nickname:
	// "Okafor, Chukwuemeka (Emeka)" keeps it.
	reCellNickname = regexp.MustCompile(`^[ \t]+\(\p{Lu}\p{Ll}+\)$`)
)

// cellValue returns the part of a name's or a place's cell that is its
// value (1.23.0): without a remark in brackets after it, and a place
// without the state after the city, which is no PHI. A name or place in
// the remark is left to the other rules.
func cellValue(c Category, v string) string {
	if c != Name && c != Location {
		return v
	}
	if m := reCellRemark.FindStringSubmatch(v); m != nil && !reCellNickname.MatchString(v[len(m[1]):]) {
		v = m[1]
	}
	if m := reCellState.FindStringSubmatch(v); c == Location && m != nil && !strings.ContainsAny(m[1], "0123456789") {
		v = m[1]
	}
	return v
}

// headerShaped reports cells that read as column names: a few words each
// (the line's lack of sentence punctuation is checked before parsing).
func headerShaped(cells []string) bool {
	for _, c := range cells {
		if len(strings.Fields(c)) > 4 {
			return false
		}
	}
	return true
}

// cellFits checks a cell against its column's category: numbers for
// numbers, letters for names, so a stray note in a column is left alone.
func cellFits(c Category, v string) bool {
	digits := len(digitsOf(v))
	switch c {
	case Name:
		return digits == 0 && len(v) <= 60 && !notPersonCell[strings.ToLower(v)]
	case Age:
		// Only an age over 89 is PHI.
		n := atoi(v)
		return n >= 90 && n <= 125 && len(digitsOf(v)) == len(strings.TrimSpace(v))
	case Date:
		// A date, not a year alone: two groups of digits at least.
		return reCellDate.MatchString(v) && len(v) <= 40
	case Location:
		return len(v) <= 80
	case Phone:
		return digits >= 7
	case Email:
		return strings.Contains(v, "@")
	}
	return digits > 0 && len(v) <= 40
}

// tableDelimiter returns the delimiter of a header-shaped line: the one of
// comma, pipe and tab it holds most, at least twice; 0 for none.
func tableDelimiter(line string) rune {
	best, n := rune(0), 1
	for _, d := range []rune{',', '|', '\t'} {
		if c := strings.Count(line, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// readRow parses one delimited line (quotes as in CSV) and returns its
// cells and the byte offset of each cell in the line; nil when the line
// is no row.
func readRow(line string, delim rune) ([]string, []int) {
	if !strings.ContainsRune(line, delim) {
		return nil, nil
	}
	r := csv.NewReader(strings.NewReader(line))
	r.Comma = delim
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	row, err := r.Read()
	if err != nil {
		return nil, nil
	}
	pos := make([]int, len(row))
	for k := range row {
		_, col := r.FieldPos(k)
		pos[k] = col - 1
	}
	return row, pos
}

// textLine is one line of a text and its offset.
type textLine struct {
	s     string
	start int
}

// splitLines splits text into lines without their line breaks.
func splitLines(text string) []textLine {
	var out []textLine
	for start := 0; start <= len(text); {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			out = append(out, textLine{strings.TrimRight(text[start:], "\r"), start})
			break
		}
		out = append(out, textLine{strings.TrimRight(text[start:start+end], "\r"), start})
		start += end + 1
	}
	return out
}
