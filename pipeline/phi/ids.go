package phi

import (
	"regexp"
	"strings"
)

// idKey is a context phrase that announces an identifier of a category:
// "MRN:", "Member ID", "Acct #", "License", "VIN", "Serial".
type idKey struct {
	re       string
	category Category
}

// idKeys are tried as one alternation, longest phrases first within each
// category so "license plate" wins over "license".
var idKeys = []idKey{
	{`medical\s+record\s+(?:number|no\.?|#)|med(?:ical)?\s+rec(?:ord)?\s*#|mrn|mr\s*#|mr\s+no\.?|hospital\s+(?:number|no\.?|#)|chart\s+(?:number|no\.?|#)|patient\s+(?:id|number|no\.?)|record\s+(?:number|no\.?|#)` +
		// Since 1.7.0: the local record numbers of British, Irish and
		// Australian hospitals and of hospices ("Hosp No", "Unit number",
		// "UR number", "Hospice ID", "chart number").
		`|hosp\.?\s+(?:number|no\.?|#|id)|unit\s+(?:number|no\.?|#)|ur\s+(?:number|no\.?|#)|urn|hospice\s+(?:id|number|no\.?|#)|chart\s+id` +
		// Since 1.15.0: Indian hospitals' unique health ID and West African
		// hospitals' folder numbers ("UHID: SVHI/2026/118845", "Folder no:").
		`|uhid|folder\s+(?:number|no\.?|#)`, MRN},
	{`(?:vehicle\s+identification\s+number|vin|licen[cs]e\s+plate(?:\s+number)?|plate(?:\s+(?:number|no\.?|#))?|tag\s+number)`, Vehicle},
	{`member\s+(?:id|number|no\.?|#)|subscriber\s+(?:id|number|no\.?|#)|policy\s+(?:id|number|no\.?|#)|group\s+(?:id|number|no\.?|#)|group|medicaid\s+(?:id|number|no\.?|#)|medicaid|medicare\s+(?:id|number|no\.?|#)|medicare\s+beneficiary\s+identifier|medicare\s+card(?:,?\s+(?:number|no\.?|#))?|medicare|medical\s+card\s+(?:number|no\.?|#)|mbi|hicn?|insurance\s+(?:id|number|no\.?)|plan\s+(?:id|number)|beneficiary\s+(?:id|number)|policy\b|grp\b` +
		// Since 1.15.0: provincial and national health numbers and cards
		// ("BC PHN", "Manitoba PHIN", "Sask HSN", "Health Care Card",
		// "NHF card"), and a benefit plan's participant number.
		`|phn|phin|hsn|ohip|ramq|health(?:\s+care)?\s+card(?:\s+(?:number|no\.?|#))?|care\s*card(?:\s+(?:number|no\.?|#))?|ndis(?:\s+(?:number|no\.?|#))?|health\s+(?:number|no\.?)|nhf\s+card|participant(?:\s+(?:id|number|no\.?|#))?`, HealthPlan},
	{`account\s+(?:number|no\.?|#|id)|account|acct\.?\s*(?:#|no\.?|number)?|billing\s+account|credit\s+card(?:\s+number)?|card\s+(?:number|no\.?|#)|card\s+ending(?:\s+in)?|iban|routing\s+(?:number|no\.?)` +
		// Since 1.15.0: "invoice no. 4471", "Customer # 22417".
		`|invoice\s*(?:#|no\.?|number)|customer\s*(?:#|no\.?|number|id)` +
		// Since 1.20.0: benefit and bank cards ("EBT card: 5077 1901 …",
		// "SNAP card", "debit card"), whose numbers need not pass Luhn.
		`|(?:ebt|snap|debit|bank|benefits?)\s+card(?:\s+(?:number|no\.?|#))?`, Account},
	{`driver'?s?\s+licen[cs]e(?:\s+(?:number|no\.?|#))?|licen[cs]e\s+(?:number|no\.?|#)|licen[cs]e|dl\s*#|dea\s*(?:#|number|no\.?)?|certificate\s+(?:number|no\.?|#)|cert\.?\s*#|matr[ií]cula(?:\s+(?:profesional|nacional|provincial))?|crm(?:-[a-z]{2})?|gmc\s+(?:number|no\.?)|gmc|nmc\s+pin|bpr\s+(?:number|no\.?|#)` +
		// Since 1.11.0: registration numbers of doctors and lawyers ("Reg.
		// No. KMC 88213", "State Bar No. 031877", "IMC 419022").
		`|reg(?:istration)?\.?\s+no\.?|bar\s+(?:no\.?|number|#)|imc\b|kmc\b|tcmc\b` +
		// Since 1.15.0: a medical council's registration ("Medical Council
		// reg. SVG-MC 1184"), the colleges of Ontario, New Zealand and
		// British Columbia ("CPSO 98214", "MCNZ 48213", "cpbc 11284"), a
		// bar association's number ("OBA No. 21870", "VT bar 5512").
		`|council\s+reg(?:istration)?\b\.?|cpso|mcnz|cpbc|ahpra|oba\s+no\.?|bar\b` +
		// Since 1.20.0: "DL:" in capitals (not "mg/dL"), South African
		// councils ("HPCSA MP 0614472", "SANC 14820917"), a medical board's
		// registration, a state's operator licence number ("PA OLN").
		`|(?-i:DL):|hpcsa|sanc|medical\s+board\s+reg(?:istration)?\b\.?|oln`, License},
	{`serial(?:\s+(?:number|no\.?|#))?|s/n|sn|device\s+(?:id|identifier|number|serial)|udi|lot(?:\s+(?:number|no\.?|#))?|imei|din\b`, Device},
	{`social\s+security(?:\s+(?:number|no\.?|#))?|ssn|ss\s*#` +
		// Since 1.20.0, the social insurance numbers of other countries by
		// their labels: Swiss AHV/AVS, Russian SNILS, the social security
		// funds of Cape Verde (INPS), Gabon and francophone Africa (CNSS),
		// Vanuatu (VNPF), Tuvalu and others (NPF), the Turks and Caicos
		// (NIB), a Spanish "número de seguro social", the French "sécurité
		// sociale", the British "NI number".
		`|ahv(?:-?nr\.?)?|avs|snils|inps|cnss|vnpf|npf|nib|n[úu]mero\s+de\s+seguro\s+social|seguro\s+social|s[ée]curit[ée]\s+sociale|ni\s+(?:number|no\.?)`, SSN},
	{`npi|accession(?:\s+(?:number|no\.?|#))?|case(?:\s+(?:number|no\.?|#))?|specimen\s+(?:id|number|no\.?|#)|encounter(?:\s+(?:number|no\.?|#|id))?|visit\s+(?:number|no\.?|#|id)|claim(?:\s+(?:number|no\.?|#|id))?|passport(?:\s+(?:number|no\.?|#))?|nhs\s+(?:number|no\.?)|(?:prior\s+)?authori[sz]ation\s+(?:reference|number|no\.?|#|id)|reference\s+(?:number|no\.?|#)|ref\.?\s*#|order\s+(?:number|no\.?|#|id)|employee\s+(?:id|number)|study\s+id|subject\s+id|confirmation\s+(?:number|code)|tracking(?:\s+(?:number|no\.?|#))?|prescription\s+(?:number|no\.?|#)|rx\s*#` +
		// National identity and health numbers by their usual labels
		// (not the ones that are also clinical words: CPR, SNS, or
		// Spanish "sin").
		`|national\s+(?:id|identity|insurance)(?:\s+(?:number|no\.?|card))?|identity\s+(?:card|number|document)(?:\s+(?:number|no\.?))?|id\s+card(?:\s+(?:number|no\.?))?|dni|nif|cpf|curp|pesel|bsn|aadhaar|personnummer|henkil[öo]tunnus|codice\s+fiscale|tessera\s+sanitaria|ppsn|steuer-?id|utente(?:\s+sns)?` +
		// Scottish CHI and Australian IHI numbers by their labels.
		`|chi\s+(?:number|no\.?)|ihi(?:\s+(?:number|no\.?))?` +
		// Since 1.11.0, weaker keys whose value must still hold a digit:
		// "ref 44817", "interp id 40417", "TECH ID 0442", "badge 4471",
		// "record locator HJ4TQZ" (no digit needed for a locator),
		// "worker # X4Q", "register: 2026/SOW/0339", "NRIC", "access code".
		`|reference\b|ref\b\.?|id\s*#|id\b|badge\b(?:\s+(?:number|no\.?|#))?|record\s+locator\b|locator\b|pnr\b|booking\s+(?:ref|reference|code)\b|` +
		`access\s+code\b|register\b|nric\b|worker\s*#|emp(?:loyee)?\s*(?:#|no\.?)|agent\s+(?:id\b|#)|confirmation\b` +
		// Since 1.15.0, the numbers of offices and services: a transcription
		// job, a client, a court file, an application, a referral, a request,
		// a booking, an authorisation, a parcel sent by certified mail, an
		// interpreter, a call-centre agent, an employee, a prescription and a
		// ticket ("Job: 448127", "certified mail article nos. 9407 1118 …",
		// "(agent 44071)", "(emp 004418)", "Rx 8830241"). The bare words
		// among them want a value of four digits or more (longValueKeys).
		`|job(?:\s*(?:#|no\.?|number))?|client\s*(?:#|no\.?|number|id)|file\s+(?:#|no\.?|number)|application\s+(?:#|no\.?|number|id)|` +
		`referral\s+(?:#|no\.?|number|id)|request\s+(?:#|no\.?|number|id)|booking\s+(?:#|no\.?|number)|(?:pre-?)?auth\s*(?:#|no\.?|number)|pre-?auth\b|` +
		`certified\s+mail(?:\s+(?:article\s+)?(?:nos?\.?|numbers?|#))?|article\s+(?:nos?\.?|numbers?|#)|interpreter\s*(?:#|id|no\.?|number)|` +
		`agent\b|emp\b|rx\b|ticket(?:\s+(?:#|no\.?|number))?`, ID},
}

var (
	// reKeyedID is anchored at the start of its input: findIDs runs it at
	// word starts near a key's first word (atWordStarts).
	reKeyedID = func() *regexp.Regexp {
		parts := make([]string, len(idKeys))
		for i, k := range idKeys {
			parts[i] = "(" + k.re + ")"
		}
		// key, optional "number"/"#"/":"/"is", an optional prefix of one to
		// four capitals (a state, "MA S12345678"; a plan's or a
		// council's letters, "AZP 88 019 442", "MP 0614472", since
		// 1.20.0; keyedPrefix decides whether it is part of the value),
		// then the value: letters, digits and inner separators, or digit
		// groups separated by single spaces (up to six since 1.15.0, the
		// groups of a postal tracking number), and an Australian Medicare
		// card's reference after a slash ("4417 52093 1/3").
		return regexp.MustCompile(`^(?i)\b(?:` + strings.Join(parts, "|") + `)(?:\s*(?:#|no\.|number|id))?\s*(?:[:#=]|\bis\b|\bwas\b)?\s*#?\s*(?:\b((?-i:[A-Z]{1,4}))[ \t]+)?` +
			`([A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*(?:(?: \d{3,}){1,5}(?: \d{1,2}\b){0,2}(?:/\d\b)?)?)`)
	}()
	reSSN       = regexp.MustCompile(`\b(\d{3})([- ])(\d{2})([- ])(\d{4})\b`)
	reMaskedSSN = regexp.MustCompile(`(?:\*{3}|[Xx]{3})-(?:\*{2}|[Xx]{2})-(\d{4})\b`)
	// reMaskedCard: a number shown by its last digits, the rest masked
	// (1.20.0): "5168 **** **** 2291", "xxxxxx2290", "…6631",
	// "****627D" (a Singapore NRIC's tail); its kind is named on its line.
	reMaskedCard = regexp.MustCompile(`(?:\b\d{4}(?:[ -]\*{4}){2}[ -]|(?:\*{4,}|\b[xX]{4,}|…|\.{3})[ -]?)\d{3,4}[A-Z]?\b`)
	// reSwissAHV: a Swiss social insurance number, "756." and three
	// groups (1.20.0).
	reSwissAHV = regexp.MustCompile(`\b756\.\d{4}\.\d{4}\.\d{2}\b`)
	// reSNILS: a Russian insurance number, "112-447-190 28" (1.20.0).
	reSNILS = regexp.MustCompile(`\b\d{3}-\d{3}-\d{3}[ -]\d{2}\b`)
	reCard  = regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`)
	// reDigitGroups: five groups of digits or more joined by single spaces,
	// twenty digits at least (countDigitGroups): a postal tracking number
	// ("9400 1000 0000 0000 4471 02"), longer than any card or phone.
	reDigitGroups = regexp.MustCompile(`\b\d{2,6}(?: \d{1,6}){4,}\b`)
	// reBloodUnit: an ISBT 128 donation identification number ("W0418 26
	// 044719 7"): facility, year, serial, check character.
	reBloodUnit = regexp.MustCompile(`\b[A-Z]\d{4} \d{2} \d{6}(?: [0-9A-Z])?\b`)
	// reNINO: a British National Insurance number ("JY 55 01 92 C"), the
	// shape alone: two letters, three pairs of digits, a letter A-D.
	reNINO = regexp.MustCompile(`\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b`)
	// rePlateKeyed: a registration plate after its key ("AR TAG 941 KBT",
	// "registration BMN 447 K", "WA REG: WN 4471 LB", "(rego CXL-48Q)"),
	// since 1.15.0; plateValueOK wants letters and two digits.
	// Since 1.20.0 also after "plate" and the words for a plate in other
	// languages ("plate NM 514 RKD", "immatriculation AN 4417 K",
	// "Tablilla del vehículo: JBK-471"), since 1.23.0 after "vehicle"
	// ("ambulance ..., vehicle 5523 A").
	rePlateKeyed = regexp.MustCompile(`(?i:\b(?:tag|registration|reg|rego|registered|plates?|vehicle|tablilla(?:[ \t]+del[ \t]+veh[ií]culo)?|immatricul(?:ation|ée?)|placa|kennzeichen|targa)\b\.?(?:[ \t]+(?:no\.?|number|#))?[ \t]*[:#(]?[ \t]*\n?[ \t]*)([A-Z0-9]{1,4}(?:[ -][A-Z0-9]{1,4}){0,3})\b`)
	reIBAN       = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b`)
	reVIN        = regexp.MustCompile(`\b[A-HJ-NPR-Z0-9]{17}\b`)
	reMBI        = regexp.MustCompile(`\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y]{2}\d{2}\b`)
	// reEndsIn: the last digits of a number quoted after the number's
	// name, "SSN on file ends in 0392", "card ending in 4417", "the SIN
	// we hold ends in 337", "phone ending 4418": a partial identifier is
	// still PHI.
	// Without the name before it, "ending 6602" is read the same way,
	// its kind from the words on its line.
	// Since 1.20.0 also "ended", and across a line break ("…NUMBER IS ON
	// FILE UNDER SEAL AND\n ENDS IN 7719").
	reEndsIn = regexp.MustCompile(`(?i)(?:\b(ssn|social\s+security(?:\s+number)?|sin|card|account|acct|visa|mastercard|amex|debit|phone|cell|mobile)\b[^.]{0,50}?)?\b(?:ends?|ending|ended)(?:\s+(?:in|with))?\s+(\d{3,6})\b`)
	// reLastFour: the last four digits read back to confirm a number
	// (since 1.9.0), "LAST 4: 6612", "the last 4 digits of her phone are
	// 0183"; its kind is named around it (partialKind).
	// Since 1.15.0 also in brackets after the number's name and read back
	// with "its": "SSN (last 4): 0928", "her ssn last 4, its 0418".
	// Since 1.20.0 also "(last 4 only): 8814", "last four, 2209", "the
	// last four (7702)" and the Spanish "(últimos 4): 3094".
	reLastFour = regexp.MustCompile(`(?i)(?:\blast|(?:^|[^\pL])[úu]ltimos)[ \t]+(?:4|four|cuatro)(?:[ \t]+digits)?(?:[ \t]+only)?(?:[ \t]+(?:of|on)[ \t]+([^.:\n]{0,30}?))?\)?(?:[ \t]*[:#]|,?[ \t]+(?:are|is|was|it'?s)|,)?(?:[ \t]+|[ \t]*\()(\d{4})\b`)
	reSSNKin   = regexp.MustCompile(`(?i)\b(?:ssn|social|sin)\b`)
	reCardKin  = regexp.MustCompile(`(?i)\b(?:card|account|acct|visa|mastercard|amex|debit|credit)\b`)
	rePhoneKin = regexp.MustCompile(`(?i)\b(?:phone|cell|mobile|number|tel|line)\b`)
	// reUKPlate and reIEPlate: British ("LK19 XRT") and Irish
	// ("221-D-40977") registration plates, taken only after a vehicle
	// word on the line (vehiclePlateCue): the shapes alone are codes too.
	reUKPlate    = regexp.MustCompile(`\b[A-Z]{2}\d{2} ?[A-Z]{3}\b`)
	reIEPlate    = regexp.MustCompile(`\b\d{2,3}-[A-Z]{1,2}-\d{1,6}\b`)
	reVehicleCue = regexp.MustCompile(`(?i)\b(?:registration|reg|plate|car|vehicle|van|motorbike|motorcycle|truck|taxi)\b`)
	reUDI        = regexp.MustCompile(`\(01\)\d{14}(?:\(\d{2,4}\)[A-Za-z0-9\-]+)*`)
	// rePlateAfterState: a plate after the code of the state or province
	// that issued it, a few words after a vehicle ("pickup, OR 221 MNF",
	// "tractor #7, OR YKD 418"), 1.23.0; plateValueOK checks the value.
	rePlateAfterState = regexp.MustCompile(`(?i:\b(?:car|van|truck|pickup|sedan|suv|jeep|trailer|tractor|motorbike|motorcycle|scooter|boat|vehicle|taxi|minibus|bus|camper)\b)[^.\n|;:]{0,24}?[ \t,(]` +
		`(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]|AB|BC|MB|NB|NL|NS|ON|PE|QC|SK|YT)` +
		`[ \t]+([A-Z0-9]{1,4}(?:[ -][A-Z0-9]{1,4}){0,2})\b`)
)

// findIDs reports identifiers: those announced by a key phrase, SSNs,
// card numbers (Luhn), IBANs (mod 97), VINs (check digit), Medicare
// beneficiary identifiers, GS1 UDIs, and, with low confidence, any other
// code with five digits or more.
func findIDs(text string, toks []token) []Span {
	var out []Span
	add := func(start, end int, c Category, conf float64, rule string) {
		out = append(out, Span{Start: start, End: end, Category: c, Confidence: conf, Detector: rule})
	}
	for _, m := range findNear(text, toks, isIDKeyWord, 0, 12, atWordStarts(reKeyedID)) {
		vs, ve := m[len(m)-2], m[len(m)-1]
		ps := m[len(m)-4]
		cat := Category("")
		key, keyEnd := "", 0
		for i := range idKeys {
			if m[2+2*i] >= 0 {
				cat, key, keyEnd = idKeys[i].category, strings.ToLower(text[m[2+2*i]:m[3+2*i]]), m[3+2*i]
				break
			}
		}
		value := text[vs:ve]
		if first, rest, ok := strings.Cut(value, " "); ok && len(first) <= 2 && len(digitsOf(first)) == 0 && (strings.ToUpper(first) != first || notValuePrefix[strings.ToLower(first)]) {
			// A short word between the key and the number ("id no
			// 3306…", "claim in 2019", "ID No 12345") is not the value's.
			vs, value = ve-len(rest), rest
		}
		if !idValueOK(value, key) || !keyedValueOK(text, keyEnd, vs, value, key) {
			continue
		}
		if cat == Vehicle && strings.HasPrefix(key, "plate") && reNotPlateTag.MatchString(text[max(0, m[0]-20):m[0]]) {
			continue // "volar plate", "agar plate"
		}
		if ps >= 0 && keyedPrefix(text[ps:m[len(m)-3]], value) {
			vs = ps
		}
		// A key is stronger evidence than a shape: "NHS number: 943 476
		// 5919" is an ID although it looks like a phone number.
		conf := 0.93
		if cat == ID && strings.HasPrefix(key, "npi") && npiValid(digitsOf(value)) {
			conf = 0.95
		}
		if cat == License && strings.HasPrefix(key, "dea") && deaValid(value) {
			conf = 0.95
		}
		add(vs, ve, cat, conf, "id-keyed")
	}
	for _, m := range reSSN.FindAllStringSubmatchIndex(text, -1) {
		if text[m[4]:m[5]] != text[m[8]:m[9]] || digitRunAround(text, m[0], m[1]) {
			continue
		}
		if ssnValid(text[m[2]:m[3]], text[m[6]:m[7]], text[m[10]:m[11]]) {
			conf := 0.9
			if text[m[4]:m[5]] == " " {
				conf = 0.7
			}
			add(m[0], m[1], SSN, conf, "ssn")
		} else {
			add(m[0], m[1], ID, 0.5, "ssn-shaped")
		}
	}
	for _, m := range reMaskedSSN.FindAllStringSubmatchIndex(text, -1) {
		// The whole masked number since 1.20.0: "XXX-XX-0417" is one
		// token string in the text, and its mask is part of what it shows.
		add(m[0], m[3], SSN, 0.9, "ssn-masked")
	}
	for _, m := range reMaskedCard.FindAllStringSubmatchIndex(text, -1) {
		if digitRunAround(text, m[0], m[1]) || maskedYear(text[m[0]:m[1]]) {
			continue
		}
		add(m[0], m[1], partialKind(lineBefore(text, m[0], 40), ID), 0.8, "id-masked")
	}
	for _, m := range reSwissAHV.FindAllStringIndex(text, -1) {
		add(m[0], m[1], SSN, 0.9, "ahv")
	}
	for _, m := range reSNILS.FindAllStringIndex(text, -1) {
		if !digitRunAround(text, m[0], m[1]) {
			add(m[0], m[1], SSN, 0.8, "snils")
		}
	}
	for _, m := range reCard.FindAllStringIndex(text, -1) {
		if groupsGoOn(text, m[0], m[1]) {
			continue // the first groups of a longer number (reDigitGroups)
		}
		if d := digitsOf(text[m[0]:m[1]]); len(d) >= 13 && len(d) <= 19 && luhn(d) {
			add(m[0], m[1], Account, 0.85, "card")
		}
	}
	for _, m := range reIBAN.FindAllStringIndex(text, -1) {
		switch v := text[m[0]:m[1]]; {
		case ibanValid(v):
			add(m[0], m[1], Account, 0.95, "iban")
		case ibanShaped(v):
			// A mistyped or invented IBAN is still an account number: its
			// country's code and length are enough (1.20.0).
			add(m[0], m[1], Account, 0.85, "iban-shaped")
		}
	}
	for _, m := range reVIN.FindAllStringIndex(text, -1) {
		if vinCheckDigit(text[m[0]:m[1]]) {
			add(m[0], m[1], Vehicle, 0.95, "vin")
		}
	}
	for _, m := range reMBI.FindAllStringIndex(text, -1) {
		add(m[0], m[1], HealthPlan, 0.85, "mbi")
	}
	for _, m := range matchNear(reEndsIn, text, toks, keyIn("ends", "end", "ending", "ended"), 16, 3) {
		if m[2] >= 0 {
			add(m[4], m[5], partialKind(text[m[2]:m[3]], Account), 0.85, "id-partial")
			continue
		}
		// Unnamed, only "ending" and four digits that are no year ("the
		// fiscal year ending 2026", "ends in 2 weeks").
		v := text[m[4]:m[5]]
		if y := atoi(v); len(v) != 4 || !strings.Contains(strings.ToLower(text[m[0]:m[1]]), "ending") || y >= 1900 && y <= 2099 || digitRunAround(text, m[4], m[5]) {
			continue
		}
		add(m[4], m[5], partialKind(lineBefore(text, m[0], 40), ID), 0.7, "id-partial")
	}
	for _, m := range matchNear(reLastFour, text, toks, keyIn("last", "ultimos", "últimos"), 1, 12) {
		if digitRunAround(text, m[4], m[5]) {
			continue
		}
		// "LAST 4" in a patient header is the SSN's.
		def := ID
		if strings.HasPrefix(strings.ToUpper(text[m[0]:m[1]]), "LAST 4:") {
			def = SSN
		}
		of := ""
		if m[2] >= 0 {
			of = text[m[2]:m[3]]
		}
		add(m[4], m[5], partialKind(lineBefore(text, m[0], 40)+" "+of, def), 0.7, "id-partial")
	}
	for _, re := range []*regexp.Regexp{reUKPlate, reIEPlate} {
		for _, m := range matchNear(re, text, toks, isVehicleWord, 0, 10) {
			if reVehicleCue.MatchString(lineBefore(text, m[0], 50)) {
				add(m[0], m[1], Vehicle, 0.8, "plate")
			}
		}
	}
	for _, m := range reUDI.FindAllStringIndex(text, -1) {
		add(m[0], m[1], Device, 0.95, "udi")
	}
	for _, m := range reDigitGroups.FindAllStringIndex(text, -1) {
		if len(digitsOf(text[m[0]:m[1]])) >= 20 && !groupsGoOn(text, m[0], m[1]) {
			add(m[0], m[1], ID, 0.6, "id-digit-groups")
		}
	}
	for _, m := range reBloodUnit.FindAllStringIndex(text, -1) {
		add(m[0], m[1], Device, 0.8, "blood-unit")
	}
	for _, m := range reNINO.FindAllStringIndex(text, -1) {
		add(m[0], m[1], SSN, 0.8, "nino")
	}
	for _, m := range matchNear(rePlateKeyed, text, toks, isPlateKeyWord, 0, 8) {
		if plateValueOK(text[m[2]:m[3]]) && plateKeyOK(text, m[0]) {
			add(m[2], m[3], Vehicle, 0.8, "plate-keyed")
		}
	}
	for _, m := range matchNear(rePlateAfterState, text, toks, isPlateVehicleWord, 0, 12) {
		if plateValueOK(text[m[2]:m[3]]) && !reNotPlateTag.MatchString(text[max(0, m[0]-20):m[0]]) {
			add(m[2], m[3], Vehicle, 0.75, "plate-state")
		}
	}
	for _, m := range matchNear(reBadge, text, toks, isRankWord, 0, 8) {
		add(m[2], m[3], ID, 0.75, "id-badge")
	}
	for _, m := range findInFields(reSlashRef, text, func(f string) bool { return strings.Count(f, "/") >= 2 }) {
		if slashRefOK(text[m[0]:m[1]]) {
			add(m[0], m[1], ID, 0.6, "id-slash-ref")
		}
	}
	for _, m := range genericIDCandidates(text, toks) {
		if genericIDOK(text, m[0], m[1]) {
			add(m[0], m[1], ID, 0.4, "id-generic")
		}
	}
	return out
}

// reBadge: an officer's badge number after the rank and the name ("SGT M.
// KING #2903", "OFFICER D. BANKS #4417", "DEP R. TWO MOONS #411"), since
// 1.20.0.
var reBadge = regexp.MustCompile(`(?i)\b(?:officer|ofc|sgt|sergeant|deputy|dep|cpl|corporal|trooper|tpr|det|detective|lt|lieutenant|capt|captain|ptl|patrolman|agent)\.?:?[ \t]+(?:[A-Z][A-Za-z'.-]*[ \t]+){1,3}#[ \t]?(\d{2,6})\b`)

// isRankWord triggers reBadge.
var isRankWord = keyIn("officer", "ofc", "sgt", "sergeant", "deputy", "dep", "cpl", "corporal", "trooper", "tpr", "det", "detective", "lt", "lieutenant", "capt", "captain", "ptl", "patrolman", "agent")

// reSlashRef: a registry's or an office's reference of three parts or
// more joined by slashes ("WA/D/2026/44817", "2026/TDJ/041",
// "GRV/26/11/004417"), since 1.20.0; slashRefOK wants letters and a
// number in it.
var reSlashRef = regexp.MustCompile(`\b[A-Z0-9][A-Z0-9-]{0,11}(?:/[A-Z0-9][A-Z0-9-]{0,11}){2,5}\b`)

// slashRefOK accepts a slash reference with a part of two capitals or
// more and a part of three digits or more and nothing else: "HIV/HCV/HBV",
// "11/21/2026" and an airline's "HK1/DB/04MAR34/F/…" are not references.
func slashRefOK(v string) bool {
	letters, number := false, false
	for _, p := range strings.Split(v, "/") {
		d := len(digitsOf(p))
		letters = letters || d == 0 && len(p) >= 2
		number = number || d >= 3 && d == len(p)
	}
	return letters && number
}

// maskedYear reports a placeholder before a year ("xxxx 2024", "... 2026"):
// a form's blank, not a number's last digits.
func maskedYear(v string) bool {
	d := digitsOf(v)
	y := atoi(d)
	return len(d) == 4 && y >= 1900 && y <= 2099 && !isDigitByte(v[0])
}

// groupsGoOn reports digits joined to text[start:end] by a space or a
// hyphen on either side: the match is part of a longer number.
func groupsGoOn(text string, start, end int) bool {
	return end+1 < len(text) && (text[end] == ' ' || text[end] == '-') && isDigitByte(text[end+1]) ||
		start >= 2 && (text[start-1] == ' ' || text[start-1] == '-') && isDigitByte(text[start-2])
}

// A registration, a tag or a "reg #" is a vehicle's only where a vehicle
// is named before it on its line or the line above ("2011 CHEVROLET
// IMPALA, SILVER, AR TAG 941 KBT", "Quad bike (registration BMN 447 K)"),
// (within 100 bytes), where a state's code stands before it ("dc tag GF 4417", "WA REG:"), or
// for the Australian "rego": a doctor's registration, a sample's tag and a
// registry's number are not plates.
var (
	reVehicleNear  = regexp.MustCompile(`(?i)\b(?:car|cars|vehicle|van|truck|pickup|sedan|suv|jeep|bike|motorbike|motorcycle|rider|boat|skiff|trailer|tractor|quad|scooter|atv|vin|toyota|ford|honda|chevrolet|chevy|nissan|dodge|hyundai|kia|subaru|plates?|drives?|drove|driving|parked)\b`)
	reStateBefore  = regexp.MustCompile(`(?:^|[^A-Za-z])[A-Za-z]{2}[ \t]+$`)
	reNotPlateTag  = regexp.MustCompile(`(?i)\b(?:asset|camera|equipment|inventory|name|price|property|luggage|bag|sample|specimen|growth|bone|locking|compression|buttress|hook|volar|dorsal|tibial|reconstruction|neutrali[sz]ation|agar|culture|well|hot|base|dinner|door|name|lcp|dcp|petri|blood|chocolate|micro(?:titer|titre)?)\s*$`)
	reRegoKeyStart = regexp.MustCompile(`(?i)^rego\b`)
	// rePlateWordKey: keys that name a plate themselves (1.20.0); bone
	// and lab plates are kept out by reNotPlateTag.
	rePlateWordKey = regexp.MustCompile(`(?i)^(?:plates?|vehicle\b|tablilla|immatricul|placa|kennzeichen|targa)`)
)

// plateKeyOK reports whether the key at keyStart announces a plate.
func plateKeyOK(text string, keyStart int) bool {
	before := text[max(0, keyStart-20):keyStart]
	if reNotPlateTag.MatchString(before) {
		return false
	}
	if reRegoKeyStart.MatchString(text[keyStart:]) || rePlateWordKey.MatchString(text[keyStart:]) || reStateBefore.MatchString(before) {
		return true
	}
	return reVehicleNear.MatchString(lowerBefore(text, keyStart, 100))
}

// isPlateKeyWord triggers rePlateKeyed.
var isPlateKeyWord = keyIn("tag", "vehicle", "registration", "reg", "rego", "registered", "plate", "plates", "tablilla", "immatriculation", "immatricule", "immatriculee", "immatriculé", "immatriculée", "placa", "kennzeichen", "targa")

// plateValueOK accepts a keyed plate: capitals and digits, two digits or
// more and a letter, five characters at least ("941 KBT", "P 4417",
// "CXL-48Q"), and not a year or a date.
func plateValueOK(v string) bool {
	d, letters := 0, 0
	for i := 0; i < len(v); i++ {
		switch {
		case isDigitByte(v[i]):
			d++
		case isAlphaByte(v[i]):
			letters++
		}
	}
	return d >= 2 && letters >= 1 && d+letters >= 5 && !reNotPlateValue.MatchString(v)
}

// reNotPlateValue is a value that reads as words, a unit or a model year
// in text in capitals (1.23.0): "REMAINDER TO VEHICLE 1 AND 2", "NS 500
// ML BOLUS", "TOW VEHICLE: 2015 GMC SIERRA". Such a word may start a
// plate: "AND 8312" is Andorra's, "KG 418" the Faroes'.
var reNotPlateValue = regexp.MustCompile(`(?i)[ -](?:and|or|the|of|to|ml|mg|mcg|kg|cc|meq|hrs?|min)(?:$|[ -])|^(?:19|20)\d\d[ -][A-Za-z]`)

// isPlateVehicleWord triggers rePlateAfterState.
var isPlateVehicleWord = keyIn("car", "van", "truck", "pickup", "sedan", "suv", "jeep", "trailer", "tractor", "motorbike", "motorcycle", "scooter", "boat", "vehicle", "taxi", "minibus", "bus", "camper")

// isVehicleWord triggers the plate patterns (reVehicleCue's words).
var isVehicleWord = keyIn("registration", "reg", "plate", "car", "vehicle", "van", "motorbike", "motorcycle", "truck", "taxi")

// isIDKeyWord triggers reKeyedID: the first word of every key.
var isIDKeyWord = keyIn(strings.Fields(`medical med mrn mr hospital chart patient record vehicle vin license licence plate tag
	member subscriber policy group medicaid medicare mbi hic hicn insurance plan beneficiary account acct billing credit card
	iban routing driver drivers driver's dl dea certificate cert serial s sn device udi lot imei social ssn ss npi accession
	case specimen encounter visit claim passport nhs prior authorization authorisation reference ref order employee study
	subject confirmation tracking prescription rx matrícula matricula crm gmc national identity id dni nif cpf curp pesel bsn
	aadhaar personnummer henkilötunnus henkilotunnus codice tessera ppsn steuer steuerid utente hosp unit ur urn hospice chi ihi
	nmc bpr reg registration bar imc kmc tcmc ref reference badge locator pnr booking access register nric worker emp agent
	confirmation grp uhid folder phn phin hsn ohip ramq health nhf participant invoice customer council cpso mcnz cpbc ahpra
	oba din job client file application referral request pre preauth auth certified article interpreter ticket
	care carecard ndis hpcsa sanc oln ahv avs snils inps cnss vnpf npf nib numero número seguro securite sécurité ni ebt snap debit bank benefit benefits`)...)

// genericIDCandidates returns the runs of ASCII letters and digits joined
// by hyphens that hold a digit: "SP-24-004417", "22D0987654".
func genericIDCandidates(text string, toks []token) [][2]int {
	var out [][2]int
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.shape != shNum && t.shape != shAlnum {
			continue
		}
		start, end := t.start, t.end
		// Join hyphenated parts on both sides.
		j := i
		for j+2 < len(toks) && toks[j+1].start == end && text[toks[j+1].start:toks[j+1].end] == "-" && toks[j+2].start == toks[j+1].end && toks[j+2].shape != shPunct {
			end = toks[j+2].end
			j += 2
		}
		for i >= 2 && toks[i-1].end == start && text[toks[i-1].start:toks[i-1].end] == "-" && toks[i-2].end == toks[i-1].start && toks[i-2].shape != shPunct && (len(out) == 0 || out[len(out)-1][1] <= toks[i-2].start) {
			start = toks[i-2].start
			i -= 2
		}
		if isASCIIRun(text[start:end]) && (start == 0 || !isAlnumByte(text[start-1])) && (end == len(text) || !isAlnumByte(text[end])) {
			out = append(out, [2]int{start, end})
		}
		i = j
	}
	return out
}

func isASCIIRun(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnumByte(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// keyedValueOK rejects what follows a key without being its value
// (1.11.0): the rest of a word ("member IDs 1004872213" is no value "s
// 1004872213"), a word before the digits ("policy issued 1998", "ref #
// on transfer 88213"), a year alone, and for a weak key a value on the
// next line.
func keyedValueOK(text string, keyEnd, vs int, value, key string) bool {
	if vs > 0 && isAlphaByte(text[vs-1]) && isAlnumByte(text[vs]) {
		return false
	}
	if first, _, ok := strings.Cut(value, " "); ok && strings.ToLower(first) == first && len(digitsOf(first)) == 0 && len(first) > 2 {
		return false
	}
	if y := atoi(value); len(value) == 4 && y >= 1900 && y <= 2099 {
		return false
	}
	k := bareKey(key)
	return !(weakIDKeys[k] && strings.ContainsAny(text[keyEnd:vs], "\n\r"))
}

// keyedPrefix reports whether the capitals between a key and its value
// belong to the value (1.20.0): a plan's, a council's or a state's letters
// before digits ("Policy: AZP 88 019 442", "HPCSA MP 0614472", "DL: AR
// 930447182"). A second key ("Medicare MBI 1EG4…", "Acct PIN 4417") or a
// word of the form ("Ref NO 4471") is not, and neither is a state before
// a value that starts with a letter ("MA S12345678": the state is not
// printed on the licence).
func keyedPrefix(prefix, value string) bool {
	if value == "" || !isDigitByte(value[0]) {
		return false
	}
	w := strings.ToLower(prefix)
	return !isIDKeyWord(token{key: w, shape: shLower}) && !notValuePrefix[w]
}

// notValuePrefix are capitals that stand between a key and its value
// without being part of it.
var notValuePrefix = keySet(`no nr num nos pin tel fax dob ext is was on of for to at in by and or the a an
	mbi mrn dl ss ssn sin ur id ids vin dea npi us usa uk`)

// bareKey is a matched key without its closing marks and with single
// spaces: "record  locator:" is "record locator".
func bareKey(key string) string {
	return strings.Join(strings.Fields(strings.TrimRight(key, ".#: ")), " ")
}

// weakIDKeys are keys that also start ordinary phrases ("ref to
// cardiology", "id the lesion", "policy on visitors"): their values need
// three digits.
var weakIDKeys = keySet(`ref reference id register policy grp confirmation job agent emp rx ticket bar tracking participant pre-auth preauth`)

// rePhoneShaped: a North American number's 3-3-4 digit groups.
var rePhoneShaped = regexp.MustCompile(`^\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}$`)

// longValueKeys are bare words that also start ordinary phrases ("group
// therapy", "the agent 2", "bar 3"): their values need four digits.
var longValueKeys = keySet(`group medicare medicaid case account lot job agent emp rx ticket bar tracking participant`)

// idValueOK rejects values after a key that are not identifiers: words,
// short numbers, dates.
func idValueOK(v, key string) bool {
	d := len(digitsOf(v))
	alnum := 0
	for i := 0; i < len(v); i++ {
		if isAlnumByte(v[i]) {
			alnum++
		}
	}
	switch k := bareKey(key); {
	case (k == "record locator" || k == "locator" || k == "pnr" || strings.HasPrefix(k, "booking") || k == "access code") &&
		alnum >= 5 && alnum <= 8 && strings.ToUpper(v) == v && len(v) == alnum:
		// A booking code is letters alone as often as not ("HJ4TQZ").
		return true
	case alnum < 3 || d == 0:
		return false
	case weakIDKeys[k] && d < 3:
		// The weak keys of 1.11.0 ("ref", "id", "policy") want a number.
		return false
	case (k == "phn" || k == "phin" || k == "hsn") && rePhoneShaped.MatchString(v):
		return false // "PHN" is also a public health nurse: "phn: 651-555-0109"
	case longValueKeys[k]:
		// Bare words that also start ordinary phrases need a longer value,
		// or for a lot a code of letters and digits ("lot 7X3KL").
		if d < 4 && !(k == "lot" && alnum >= 5 && alnum > d) {
			return false
		}
	case strings.HasPrefix(key, "card ending"):
		return d >= 4
	case d < 2 && alnum < 5:
		return false
	}
	if reDateNumeric.MatchString(v) || reDateISO.MatchString(v) {
		return false
	}
	return true
}

// genericIDOK accepts a code as an "other unique identifier": five digits
// or more mixed with letters, or seven digits or more, that does not look
// like a quantity.
func genericIDOK(text string, start, end int) bool {
	v := text[start:end]
	d := len(digitsOf(v))
	letters := 0
	for i := 0; i < len(v); i++ {
		if isAlphaByte(v[i]) {
			letters++
		}
	}
	if reGravidaPara.MatchString(v) {
		return false // an obstetric history, "G3P1011"
	}
	if (d < 5 || letters == 0 && d < 7) && !letterCode(v, d, letters) && !mixedCode(v, d, letters) {
		return false
	}
	// Part of a decimal or thousands-separated number (a code that starts
	// with letters is no such part: "…0118,HF-04-0087" in a CSV row).
	if start > 0 && isDigitByte(v[0]) && (text[start-1] == '.' || text[start-1] == ',') && start > 1 && isDigitByte(text[start-2]) {
		return false
	}
	if end < len(text)-1 && (text[end] == '.' || text[end] == ',') && isDigitByte(text[end+1]) && !(isAlphaByte(v[0]) && strings.IndexByte(v, '-') > 0) {
		return false // "30417,2026" is a number, "TC-30417,2026-11-17" a CSV row's code
	}
	return true
}

// mixedCode reports a code of six capitals and digits or more, two of
// each at least, without a hyphen ("BXT7QK2M", "ZKT4417", "JC0418"),
// since 1.11.0: a device's, a booking's or a record's number. A word with
// a number after it ("COVID19", "BCBSIL01") and a gene ("CYP2C19",
// "MYBPC3") are not.
func mixedCode(v string, digits, letters int) bool {
	if len(v) < 6 || digits < 2 || letters < 2 || strings.ToUpper(v) != v || strings.IndexByte(v, '-') >= 0 {
		return false
	}
	if reWordThenNumber.MatchString(v) || reGeneOrGravida.MatchString(v) {
		return false
	}
	return true
}

var (
	reWordThenNumber = regexp.MustCompile(`^[A-Z]{4,}\d{1,3}$`)
	reGeneOrGravida  = regexp.MustCompile(`^(?:CYP\d|[A-Z]{3,5}\d{1,2}[A-Z]?\d?$)`)
	reGravidaPara    = regexp.MustCompile(`^G\d{1,2}P\d{1,4}$`)
)

// letterCode reports a short code of capitals, a hyphen and four digits
// or more in all ("R-4471", "INT-0622", "QX7-22K9"), since 1.9.0: a
// record's, referral's or case's number. Form and edition names of the
// same shape ("CMS-1500", "FY-2026", "ISO-9001") are not.
func letterCode(v string, digits, letters int) bool {
	i := strings.IndexByte(v, '-')
	if digits < 4 || letters == 0 || letters > 4 || i <= 0 || !isUpperByte(v[0]) || strings.ToUpper(v) != v {
		return false
	}
	return !formPrefix(v[:i])
}

// formPrefix reports the prefix of a form's, edition's or standard's name
// ("CMS-1500", "FY-2026", "ISO-9001"), which no person's number has.
func formPrefix(p string) bool {
	switch p {
	case "CMS", "HCFA", "FY", "ISO", "ICD", "DSM", "SF", "UB", "NUCC", "HL", "IEC", "EN", "AD", "BC", "CE":
		return true
	}
	return false
}

// partialKind returns the category of a partial number from the words
// that name it: an SSN's, a card's or account's, a telephone's, or def.
func partialKind(context string, def Category) Category {
	switch {
	case reSSNKin.MatchString(context):
		return SSN
	case reCardKin.MatchString(context):
		return Account
	case rePhoneKin.MatchString(context):
		return Phone
	}
	return def
}

// deaValid checks a DEA registration number: two letters and seven
// digits whose last digit is the check digit.
func deaValid(v string) bool {
	v = strings.ToUpper(v)
	if len(v) != 9 || !isAlphaByte(v[0]) || !isAlphaByte(v[1]) {
		return false
	}
	d := v[2:]
	for i := 0; i < 7; i++ {
		if !isDigitByte(d[i]) {
			return false
		}
	}
	n := func(i int) int { return int(d[i] - '0') }
	sum := n(0) + n(2) + n(4) + 2*(n(1)+n(3)+n(5))
	return sum%10 == n(6)
}
