// Package phi finds protected health information (PHI) in clinical text
// and redacts it.
//
// # Categories
//
// Category names the HIPAA Safe Harbor identifier kinds (45 CFR
// 164.514(b)(2)) that can occur in text: NAME, LOCATION (street address,
// city, county, ZIP and any other unit smaller than a state), DATE (every
// element but the year), AGE (over 89 only), PHONE, FAX, EMAIL, SSN, MRN,
// HEALTH_PLAN, ACCOUNT, LICENSE, VEHICLE, DEVICE, URL, IP and ID (any other
// unique identifying number). BIOMETRIC and PHOTO exist as names only:
// fingerprints, voice prints and photographs are not text.
//
// What is not PHI is as deliberate: states and countries, years on their
// own, weekdays, ages up to 89, job titles, nationalities, and the names
// of organisations and facilities (a hospital's name is not a geographic
// unit; a city inside it is).
//
// # Detectors and merging
//
// A Detector returns spans with byte offsets (end exclusive) into the
// text; conversions to code points happen at the interfaces that need
// them (kiln phi scan). Every detector's output goes through Merge, whose
// rule is: overlapping spans of one category become their union;
// overlapping spans of different categories are settled by confidence,
// then length, then category order, and the loser keeps only what the
// winner does not cover. Combine runs several detectors as one.
//
// # The built-in detector
//
// Builtin combines, each with a fixed confidence that Merge weighs:
//
//   - patterns with validators: e-mail, URLs and bare domains (parsed),
//     IPv4 and IPv6 (net/netip), SSNs (SSA area, group and serial rules),
//     payment cards (Luhn), IBANs (mod 97), VINs (check digit), Medicare
//     beneficiary identifiers, DEA numbers and NPIs (check digits), GS1
//     UDIs, phone numbers (North American numbering rules, international
//     +CC forms, and near a phone word digit groups and a short prefix
//     before a long subscriber number, "99 668472"), dates in numeric, ISO and spelled-out forms (checked
//     against the calendar), ages over 89 in digits or words;
//   - context words: an identifier after "MRN", "Member ID", "Policy #",
//     "Acct", "License", "DEA", "VIN", "plate", "Serial", "S/N", "NPI",
//     "Accession"... takes that key's category; "fax" before or after a
//     number makes it a FAX; digit groups are phone numbers only near a
//     phone word; a bare "3/6" is a date only after "on", "since",
//     "next visit"...; places follow "lives in", "moved from", "Where:";
//   - dictionaries (embedded, lexicon/): given and family names, names
//     that are also words (will, may, hope: they need support), common
//     words, medical eponyms ("Parkinson's disease", "Foley catheter" are
//     not people), titles and credentials as name cues ("Dr.", "Mr.",
//     ", MD"), cities, states and countries, street types in English and
//     continental forms; large generated lists (lexicon/README.md: US
//     Census and international names, GeoNames cities) add names and
//     towns at lower weight than the curated ones;
//   - name structure: "LAST, First", initials ("J. Smith"), particles
//     ("ten Pas"), relatives and labels as cues ("his wife Hope",
//     "Patient:"), a line of capitalised words above an address or phone
//     block (an addressee or signature); the shape of
//     names the lists miss (Latin letters with diacritics, endings such
//     as -dóttir, -ović, -ova, -enko), words only people do after a
//     name ("X lives", "X shouted"), vocatives ("..., Kelly?"), "X's
//     daughter", occupations before a name ("songwriter X"), dialogue
//     speakers ("Ubul: ..."), lower-case "given family" pairs of known
//     names that are no English words, and lists ("Usamov and Bowers")
//     in which one item is a known name; capitalised words that no list
//     knows, not even the English dictionary (SCOWL, lexicon/README.md),
//     nor are two English words run together ("Lawdragon"): two or three
//     of them together ("Tukema Dibivep"), one after "by", a list made
//     only of them, and one alone when the sentence says person (a
//     possessive "Tobesgive's", mid-sentence after a verb "leave me
//     Jerun", the subject before "is"/"had" not followed by a
//     determiner), but not after a preposition of place or organisation,
//     before a dose or a species ("Escherichia coli"), after a medication
//     verb or with a drug's ending; and, the other way, the names of
//     companies made of surnames ("Barnett, Melton and Garcia" after
//     "at"/"from" or alone on a line, "Weeks-Rivas" without a cue,
//     "Conway Inc.") are not people;
//   - text with no case signal: a document all in lower case (or all in
//     capitals, read in lower case) cannot mark a name by its capital, so
//     there a word the name lists know and nothing else knows is a name,
//     as are name + initial + name ("emidio p lombardo"), a word after a
//     title or a relative ("dr. young", "his wife hope"), and the other
//     items of a list holding a name, with guards for places, streets,
//     eponyms, organisms, organisations and drugs; in a line with no case
//     signal, "march 4" and "may 12" are dates;
//   - address structure: "building number, street, house number" lines
//     ("233 Kossuth tér 19", "808 Kálmán Imre u. 12."), military "Unit
//     4719 Box 7394"; a street line pulls in the lines that continue it
//     (unit, city, postal code; the state and country words are left
//     out), across line breaks but not a blank line, up to four lines,
//     a segment ending at its postal code when the sentence goes on;
//     intersections as one place ("corner of A and B", "Maarit and
//     Hersnapvej 75"), the building number before a street or box (or
//     before a street that starts with its house number, "9554 62 Rue
//     Gafsa"), units in any case with a number ("suite 463"), a town on
//     the street's own line ("... Suite 215 NUNGATTA Australia"), an
//     upper-case post town above a country line, a town with its postal
//     code after "in", the postal code after the country (or a
//     nationality word) that ends an address block; continental streets
//     in lower case after a building number ("26 rue des ..."), "C/",
//     Greek street types, US Navy ship addresses ("USNS X / FPO AE");
//     the address on the line after an "Address:" label; streets in any
//     case by structure alone (building number, name words, then a house
//     number and a street type or apartment unit: "74678 midtvollen 130
//     st.", "3747 3911 fourth avenue suite 112"), Hungarian street types
//     after the name ("Király u. 15."), a building and house number
//     before a street name ("9816 214 Pavlou Drandaki"), region codes and
//     place particles in town lines ("Črni Vrh nad Idrijo", ", RS");
//     towns typed in lower case after a place cue ("returned to kiel"),
//     an unlisted town after an organisation ("at Sigfig in Camuns,"),
//     a lower-case town with its postal code after "in"; towns no list
//     knows by their shape after a preposition of place ("to
//     Niitabury", "in Highveld", "Port X"), and after "hometown";
//   - international address structure (UPU conventions): a postal code
//     of a national shape before its town ("29525 Uelzen", "00-514
//     Warszawa", "1016 GC Amsterdam", "702 00 Ostrava") after a street or
//     before a town found, and the street before it ("Nádražní 1187/24,
//     702 00 Ostrava", "storgatan 12 b, 411 38 göteborg") with a unit
//     between ("3º izq.", "2. th."); five- or six-digit codes after a town
//     ("Pune 411001"); the rest of a house number ("84/92 m. 17",
//     "418-II", "9a", "7. II. em. 4."), a Scottish flat ("14/3"); units
//     and a colonia after a street ("д. 15, кв. 42", "piso 4", "Col.
//     Centro"); "г. Town"; Canadian postal codes and the town before the
//     province in any case; "Co." and the Eircode after an Irish town;
//     Japanese and Korean wards ("Kita-ku", "Gangnam-gu") and the
//     chome-ban-go block before them ("2-5-14 Umeda"); lower-case Polish,
//     Russian and Ukrainian street types ("ul.", "ул.", "vul."); countries
//     in their own languages are no PHI; on the name side, particles in
//     text without case ("CLAIRE DU PLESSIS"), "de la" between known
//     names, Welsh "ap", titles of other languages ("Dott.", "MUDr."),
//     drug stems in Romance spelling and specialty endings ("Omeprazol",
//     "Neurologie") and hospital and letter words of European languages as
//     no names, nor a given name before a Latin species ("Candida
//     albicans"); hyphenated given names without case ("pedro-luis");
//     year-first spaced dates ("1939. 05. 04.") and dates with month
//     names of eight European languages ("7 de mayo de 2024", "14. März
//     2024", "2024. március 12.");
//   - since 1.7.0, from the misses of two sets written blind and then
//     given up as development sets (testdata/phi-seen): dates without a
//     year when the context makes them dates (a clock time or "AM"/"PM"
//     right after "11/18", a short date whose month is within one of the
//     document's dated dates, day-first "on 20/3", ordinal days after a
//     preposition of time or a weekday, "on the 14th", "Thursday the
//     twelfth", lower-case full month names after a cue and "9 march"),
//     never after a blood pressure, score, murmur grade or dose word;
//     national numbers with a trunk 0 as the UK, Ireland and Australia
//     print them ("01422 555 873", "087 555 2194", "(03) 9555 0182") and
//     spoken digit runs after a phone word; record-number labels of
//     British, Irish and Australian hospitals and hospices ("Hosp No",
//     "UR number", "Unit number", "Hospice ID", CHI, IHI, GMC, NMC pin,
//     medical and Medicare cards), partial numbers ("SSN ... ends in
//     0392"), British and Irish plates after a vehicle word, a standalone
//     Eircode and an Irish county line ("Co. Kilkenny"), an age over 89
//     after a kinship word ("Dad is 94."); precision: about 160 more medical eponyms and device
//     brands, clinical headings, vital-sign abbreviations and car makes
//     as no names, contact labels ("Tel", "Ph") ending an address block,
//     and phone cues only at a word boundary ("REF 5964-50-02" is no fax);
//   - since 1.9.0 (written from the training sets testdata/phi-train):
//     dates read out or printed in form boxes, month and year, short-date
//     ranges, same-month ranges, VistA "@" and 24-hour times, OCR's O/l
//     for 0/1 in numbers and bare "the 17th" (dates_spoken.go,
//     dates_noyear.go); pagers, extensions and "last 4" partials
//     (phones_short.go); numbers read out or spaced digit by digit;
//     typist, scribe and technologist initials (names_initials.go);
//     "LAST, FIRST M" fields completed from either side (names_comma.go);
//     counties and parishes (location_county.go); online handles and
//     letter codes (ids_handles.go, ids.go); the columns of pasted CSV
//     and pipe tables named by their header (tables.go); and a
//     document's case read with tolerance for codes (docCase);
//   - since 1.11.0 (written from the training sets, never the blind
//     ones): short dates before a time after a comma, "at" or "@", after
//     a weekday, a schedule word or an act ("given 11/3"), before a
//     heading's colon, and through the months of the dates already found,
//     which grow as dates are found (dates_noyear.go); months after an
//     event verb or a possessive; e-mail header offsets and dotted
//     two-digit-year dates; staff initials: typist codes after "typed" or
//     with a colon, sign-off pairs, initials in brackets after the name
//     and a column of initials ending aligned rows (names_initials.go);
//     staff, date and age columns of tables; roster names in capitals
//     (names_comma.go) and names widened by an adjacent given or unknown
//     name (names_extend.go); towns named by a hospital or school
//     (location_facility.go) and places typed in lower case
//     (location_lower.go); ages between commas, after a relative in
//     brackets and "at the age of"; identifiers after weak keys ("ref",
//     "record locator") and capitals-and-digits codes (mixedCode);
//     precision: relatives' words and ranks as titles; payers, peoples and
//     languages as common words; more eponyms and brands; words no list
//     knows that end in a medical suffix (medicalWord); no names that are
//     a state or country, a plural abbreviation or an outline letter; role
//     labels before a credential ("Infusion RN:"); towns that are English
//     words only after a cue; an open bracket parts a span;
//   - since 1.12.0: a ZIP code after a found place in any case
//     (zipsAfterPlaces); a legend's initials beside the name they stand
//     for ("rk = Rosa Kim"); table columns headed by a credential ("RN");
//     no initial in a unit or grade letter ending a sentence ("108 F. He
//     had"); US postal towns of GeoNames in the city list;
//   - since 1.13.0: dates of chats ("11/18 7:42a"), courts ("15TH DAY OF
//     DECEMBER, 2026"), wrapped lines, file names and abbreviated months
//     after a time word ("end of oct"); letters spelled out in dictation
//     are a name only after a spelling cue or when they spell a word
//     before them (spelledRun); precision: dictionary words that are no
//     census name after a role word (name_words.txt.gz), names inside an
//     institution's name (namesAnInstitution), abbreviations and towns
//     before a credential, product names (productShaped), symptom scores,
//     holidays without a year, short capitals that only GeoNames calls
//     towns, and abbreviations as mentions;
//   - since 1.14.0: towns made of English words (town_words.txt.gz) after
//     a place cue, and lower-case towns after a place of care and "in"
//     (townsAfterFacility); the senders of a chat export (chatSenders);
//     initials after a name's role, after "witnessed" and ending a log
//     line after a sentence, a legend's "MD = Mason Dvorak" and a column's
//     credential letters; ages right after a name (afterNames); dates
//     joined by a hyphen and the first day of a short-date range;
//     precision: hyphenated dictionary words (wordCompound), a score's
//     range, a log's clock time as a house number (dropClockNumbers);
//   - since 1.15.0: identifiers by more keys (job, client, file, referral,
//     agent, employee, prescription, ticket, certified mail, health cards,
//     councils, bar numbers, invoices), postal tracking numbers
//     (reDigitGroups), blood-unit numbers, National Insurance numbers,
//     plates after a registration or a tag where a vehicle is named
//     (plateKeyOK), badges and ages after a name and "is" (afterNames),
//     handles their words name (reNamedHandle), streets typed in lower
//     case (lowerPlaces), towns and streets named after saints
//     (saintPlaces); precision: clinical abbreviations that only a guess
//     took for a name (lexicon/abbreviations.txt), titles, roles and
//     credentials cut off a name and the verb "will" ending one
//     (trimNameRoles);
//   - since 1.16.0: a name that a kind of place follows is that place
//     ("Big Horn County", "Hopkins Village": placeHeads);
//   - since 1.17.0: typist codes after their act wherever the line goes
//     on ("typed by RQ/jk at 14:50": reCuedTypistCode) and initials after
//     the bare act ("typed sgh", "Co-signed TKW"); precision: a route after
//     a dose is no one's initials (routeAfterDose);
//   - since 1.18.0: a name after "St." or "Ste." joins the given name
//     before it ("Marie St. Clair": saintNames); an organisation field's
//     guard holds where the tagger took only the value's last word
//     ("Insurance: Harvard Pilgrim": notPersonHere); ages with a glued
//     Y ("91Y"), the word for years in other languages ("93 años"), age
//     fields of several words or languages ("Edad:"), "I am 91", between
//     a name's comma and a bracket and after a relative's comma at the
//     clause's end;
//   - since 1.19.0: dates of other languages and calendars, the months of
//     about forty languages in the forms their dates use ("15 ноября
//     2026", "15. listopadu 2026", "2026 m. lapkričio 15 d.", "marzo de
//     2025", "en janvier", "kislev 16"), Roman numeral months
//     ("15.XI.2026"), Chinese, Japanese, Korean and Vietnamese dates
//     (dates_intl.go); in English, airline dates ("02NOV26"), two-digit
//     years after an apostrophe, month ranges ("Oct/Nov", "Jan-Feb
//     2024"), a day or month joined to a found date ("December 2 and
//     16"), more cues for a month alone, ordinal days after a weekday or
//     a preposition without "the" or in a month's context, dates read out
//     as numbers ("six eleven nineteen fifty-eight"), lower-case "dec 4"
//     and "may 21" in chats, more time zones; a place the address rules
//     built around a date is dropped (dropPlacesAroundDates); ages over
//     89 in number words of about thirty languages where a cue, a word
//     for years or an age in digits before them confirms them ("tiene
//     noventa y dos años", "93 (девяносто три)": ages_intl.go), the sex
//     glued to "yo" ("95 YOF"), more words for years, "100th birthday",
//     an age in brackets after a birth date ("DOB: 01/06/1932 (94)") or a
//     name ("(96, in Leburn)"), and a second age after "not" (agesAfterFound);
//   - since 1.20.0: identifiers: a prefix of capitals before a keyed
//     number ("Policy: AZP 88 019 442", "DL: AR 930447182": keyedPrefix),
//     masked numbers whole ("XXX-XX-0417", "5168 **** **** 2291"), more
//     wordings of "the last four" and "ended", IBANs of the right country
//     and length whatever their check digits (ibanShaped), benefit cards,
//     other countries' social insurance numbers (AHV, SNILS, INPS, CNSS),
//     plates after "plate" and in other languages, logins on print-outs
//     and dictations, badge numbers after a rank and a name, registry
//     references joined by slashes (slashRefOK), and identifiers read out
//     after their name ("medical record number c r h four four zero nine
//     one seven": ids_spoken.go);
//   - since 1.21.0: dates: a range of days before the month they share
//     ("23-24/11/2026", "20-23/12": findDayRanges), the first day of a
//     range or pair in other languages ("del 14 al 16 de diciembre":
//     daysBeforeDates), day-first short dates after a heading, before a
//     time or after a weekday of other languages, "on 10.11.", a month
//     with its year in numbers ("2019-03", "03.2025": findFormDates),
//     more holidays with their year (holidayNames), a capitalised month
//     standing alone (loneMonths); ages over 89 by their place in a
//     sentence ("At 91,", "passed … at 96.", "Client 92, lives alone")
//     and written again (ageEchoes: ages_context.go); the columns of
//     tables aligned with spaces (findAlignedColumns); a ZIP code read
//     out after its town, roads in lower case and read out, interstates
//     after a word of driving, coordinates (location_coords.go); and a
//     forum's senders after a bracketed date;
//   - since 1.22.0: typist codes after the time or date that signs a
//     line, in brackets ("(FJF/ah)") and in text all in capitals
//     (findInitials reads the text as written); a nickname quoted right
//     after a name (nicknamesAfterNames); a name written again in lower
//     case in a chat message after its sender (otherMentions,
//     afterSender); day-first dates with spaced periods ("19. 11. 2026"),
//     dates with blanks for separators ("11 17 2026 14 05") and short
//     month names of other languages with a day and a year ("2 dic.
//     2026": foreignMonthAbbrevs);
//   - since 1.23.0: the phone words of other languages ("Tél.",
//     "joignable au", "Handy": phoneWordsIntl), international numbers
//     with one long subscriber group ("+298 555123") and a second number
//     joined to a found one ("… / 032 55 581 40": nextToPhone); clock
//     times of other languages right after a date ("24/11/2026 10h05",
//     "24/11 20.00": reTimeAfterIntl, not an amount or a dose); the
//     months of other calendars with a year in their own range or a day
//     ("Aban 1405", "20 Aqrab": otherCalendars, with the Afghan months);
//     "son of" and "daughter of" inside names ("Mbarek ould Salem":
//     patronymicLink); dictated punctuation ends a lower-case name
//     (dictatedMark); bilingual table headers ("Barrio / ZIP":
//     headerCategory), whose cells are no PHI (dropInHeaders), with a
//     remark in brackets and a state's code left out of a name's or
//     place's cell (cellValue); plates after a state's code near a
//     vehicle or after "vehicle" ("pickup, OR 221 MNF": rePlateAfterState);
//   - a learned tagger (tagger.go): an averaged perceptron over words,
//     shapes, neighbours, lexicon flags (since 1.14.0 also the place of a
//     word in a multi-word town, state or country: placePhrases; since
//     1.16.0 the word pairs on either side) and, since 1.10.0, word
//     clusters of GloVe vectors (lexicon/clusters.txt.gz), trained on the
//     corpora of model/corpora.txt in five document orders whose models
//     are averaged (1.16.0) and embedded; a word is PHI unless "not PHI"
//     wins by notPHIMargin; since 1.17.0 identifiers of every kind are
//     one class of it, whose spans keep only a value of three digits or
//     more that is no public code (idSpans), and a lower-case line of a
//     mixed-case text is read as caseless (lowerCaseLines); since 1.18.0
//     it tags in two passes, left to right and right to left, and takes
//     the mean of their scores (tag); its NAME, LOCATION and ID spans join
//     the rules' last, at a lower confidence, for any word but an eponym
//     or drug brand (a state or country is no place; a plain English word
//     only where the tagger is sure, since 1.18.0: carries), and pass the
//     rules' guards for organisations, eponyms and species (WithoutTagger
//     leaves it out);
//   - other mentions (mentions.go): every name and place found, by rule
//     or tagger, is found again where the document repeats it without a
//     cue, when its words cannot be ordinary words;
//   - patient-aware matching: the Hints built from the document's FHIR
//     Patient and related Practitioner and RelatedPerson resources
//     (HintsFromResources) are found whatever their spelling: any case,
//     "LAST, First", initials next to a hinted name, one typo in names of
//     five letters or more, nickname prefixes, possessives, identifiers
//     with any separators, the birth date in any common format, address
//     lines across line breaks with "St"/"Street" either way, and phone
//     numbers with any punctuation. These spans have confidence 1, so
//     they win every overlap.
//
// # Redaction
//
// Redact replaces spans with tokens from a function. NewTokens is the
// default: "[NAME_1]", "[DATE_2]"... by first appearance, the same original
// always mapping to the same token, and "90+" for ages. The
// re-identification vault supplies its own function so that a patient's
// values get the same tokens across documents.
//
// # Evaluation
//
// Package eval (pipeline/phi/eval) measures a detector on labelled
// corpora; its documentation defines the token-level and entity-level
// metrics that `make eval-phi` prints.
package phi
