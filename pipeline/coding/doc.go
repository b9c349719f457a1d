// Package coding proposes ICD-10-CM codes for a Client Health Report: from
// a patient's redacted notes (SuggestText) and structured Conditions
// (SuggestCondition), each with the span of text that supports it and a
// confidence. Suggestions are proposals a clinician accepts or rejects,
// never codes Kiln asserts.
//
// # The table
//
// ICD10CM is the public-domain CMS FY2026 table (98,186 codes: 74,719
// billable, the rest category headers), embedded as icd10cm.tsv.gz (code,
// billable flag, long description; about 0.7 MB) and built once per process
// on first use; the Table is immutable and safe for concurrent use. The
// file is generated from ../shared/terminology/icd10cm.tsv:
//
//	go generate ./pipeline/coding
//
// and internal/gen's test checks that regenerating reproduces it. Codes are
// written with the dot ("E11.9"); Lookup accepts either form. LoadTable
// reads a tenant's licensed table (CPT, code TAB description) into the
// same kind of Table; Kiln ships no CPT content.
//
// # The lexicon
//
// Matching runs on a lexicon of forms (normalised word sequences) mapped to
// codes, from two sources:
//
//   - Every description yields its exact form and a derived one without the
//     qualifiers a note never writes: nonessential parentheticals
//     ("Essential (primary) hypertension" → "essential hypertension"),
//     ", unspecified", "unspecified …" as a prefix, "without
//     complications", ", uncomplicated", ", not elsewhere classified", an
//     unspecified laterality, and the injuries' ", initial encounter" (the
//     only encounter a bare mention can mean; its confidence is lowered).
//     A further "defaulted" form drops one trailing "without …" clause, the
//     index's default for a bare mention ("benign prostatic hyperplasia" →
//     N40.0), and a few rewordings ("diabetes" for "diabetes mellitus",
//     "CKD" for "chronic kidney disease") make variants. Descriptions of
//     later encounters and sequelae, manifestation codes ("in diseases
//     classified elsewhere"), residual "Other …" categories and external
//     causes (V00–Y99) yield nothing, and a short list of forms that are
//     everyday words ("pain", "allergy") is dropped.
//   - A curated list (synonyms.go) of about 200 abbreviations and clinical
//     wordings (HTN, T2DM, CKD stage 3a, AFib, GERD, "knee OA", "viral
//     sinusitis"), each with the code a coder would give the bare mention.
//     Abbreviations that are everyday words or ambiguous (PE, MS, PAD) are
//     left out.
//
// When forms collide, a curated form wins, then a billable code over a
// category header (a bare "type 2 diabetes mellitus" is E11.9, not E11),
// then the more faithful kind (exact, derived, defaulted, variant), then
// tabular order.
//
// # Matching
//
// Text is split into words (case-folded, possessives removed, hyphens and
// slashes splitting, dots kept inside numbers) with code-point offsets, and
// the forms live in a token trie: at each word the trie is followed as far
// as the text goes and the longest complete form wins (leftmost-longest,
// no overlaps), so "type 2 diabetes mellitus with diabetic chronic kidney
// disease" is E11.22 rather than E11.9 and N18.9. Matching costs a few
// hash lookups per word, independent of the lexicon's ~60,000 forms; a
// match never crosses a sentence end or a vault token ("[NAME_1]"). An
// adult BMI with a value ("BMI 32.4", "body mass index of 41") becomes its
// Z68 code; a range ("30+") or a percentile does not.
//
// # Context
//
// Each match is judged by the context phrases of its sentence, NegEx and
// ConText style: a phrase before the mention counts within 8 words unless
// a scope-ending word ("but", "however", "patient", "has") lies between, a
// phrase after it within 3 words.
//
//   - Negated ("denies", "no history of", "negative for", "without", "…
//     was ruled out") and mentions that name a test's or vaccine's target
//     ("pneumonia vaccine", "screening for diabetes") give nothing; so do
//     conditions of a spouse, friend or caregiver.
//   - Hedged mentions ("possible", "suspected", "rule out", "r/o",
//     "versus", a question mark) keep 0.6 of their confidence, probable ones
//     ("likely", "probable") 0.8.
//   - A relative's condition ("family history of", "mother had") becomes
//     the Z80–Z84 family-history code of its group at 0.6 of the
//     confidence, or nothing if the group has none; a family-history code
//     matched by its own words keeps its confidence.
//
// Confidence starts from how the form matched: 0.95 a whole description,
// 0.9 a derived form, 0.85 a variant or curated wording, 0.8 a defaulted
// form, 0.75 an abbreviation; × 0.7 for a category header (a billable child
// must still be chosen) and × 0.9 for an assumed initial encounter; then
// context. SuggestText returns one suggestion per code (its best-supported
// mention), in text order. SuggestCondition takes an ICD-10-CM coding the
// Condition already has at confidence 1 and otherwise matches its
// code.text and coding displays the same way.
//
// Not done: combination codes built from separate mentions (diabetes and
// CKD in one sentence stay E11.9 and N18.x), personal-history codes for
// resolved conditions, temporal context, and pediatric BMI percentiles.
package coding

//go:generate go run ./internal/gen -in ../../../shared/terminology/icd10cm.tsv -out icd10cm.tsv.gz
