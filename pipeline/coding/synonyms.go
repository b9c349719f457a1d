package coding

// icd10cmSynonyms are the curated forms: how notes and problem lists write
// common conditions where the table's descriptions do not reach (an
// abbreviation, a lay term, another word order), each with the code a coder
// would choose for the bare mention, following the ICD-10-CM index's
// defaults ("Diabetes, diabetic (mellitus)" → E11.9; "Sinusitis" → J32.9).
// Few and common on purpose: a wrong synonym costs more than a missing one.
// Abbreviations that are also everyday words or other clinical terms
// ("PE", "MS", "AF", "RA", "PAD", "GAD") are left out, and so are bare
// names of tests and vaccines' targets ("HIV", "COVID") that notes mostly
// write about tests and vaccines.
var icd10cmSynonyms = []synonym{
	// Hypertension and heart.
	{"hypertension", "I10", false},
	{"high blood pressure", "I10", false},
	{"primary hypertension", "I10", false},
	{"htn", "I10", true},
	{"congestive heart failure", "I50.9", false},
	{"chf", "I50.9", true},
	{"hfref", "I50.20", true},
	{"hfpef", "I50.30", true},
	{"heart failure with reduced ejection fraction", "I50.20", false},
	{"heart failure with preserved ejection fraction", "I50.30", false},
	{"hypertensive chronic kidney disease", "I12.9", false},
	{"hypertensive ckd", "I12.9", true},
	{"atrial fibrillation", "I48.91", false},
	{"afib", "I48.91", true},
	{"a fib", "I48.91", true},
	{"coronary artery disease", "I25.10", false},
	{"cad", "I25.10", true},
	{"myocardial infarction", "I21.9", false},
	{"heart attack", "I21.9", false},
	{"stroke", "I63.9", false},
	{"heat stroke", "T67.01XA", false}, // not a stroke
	{"cva", "I63.9", true},
	{"tia", "G45.9", true},
	{"transient ischemic attack", "G45.9", false},
	{"deep vein thrombosis", "I82.409", false},
	{"dvt", "I82.409", true},
	{"peripheral artery disease", "I73.9", false},

	// Diabetes and metabolism.
	{"diabetes", "E11.9", false},
	{"diabetes mellitus", "E11.9", false},
	{"type 2 diabetes", "E11.9", false},
	{"type ii diabetes", "E11.9", false},
	{"type ii diabetes mellitus", "E11.9", false},
	{"diabetes mellitus type 2", "E11.9", false},
	{"diabetes mellitus type ii", "E11.9", false},
	{"diabetes type 2", "E11.9", false},
	{"t2dm", "E11.9", true},
	{"dm2", "E11.9", true},
	{"dm 2", "E11.9", true},
	{"dm ii", "E11.9", true},
	{"dm type 2", "E11.9", true},
	{"niddm", "E11.9", true},
	{"type 1 diabetes", "E10.9", false},
	{"type i diabetes", "E10.9", false},
	{"diabetes mellitus type 1", "E10.9", false},
	{"t1dm", "E10.9", true},
	{"dm1", "E10.9", true},
	{"iddm", "E10.9", true},
	{"diabetic nephropathy", "E11.21", false},
	{"diabetic neuropathy", "E11.40", false},
	{"diabetic retinopathy", "E11.319", false},
	{"prediabetes", "R73.03", false},
	{"pre diabetes", "R73.03", false},
	{"prediabetic", "R73.03", false},
	{"hyperlipidemia", "E78.5", false},
	{"hld", "E78.5", true},
	{"dyslipidemia", "E78.5", false},
	{"high cholesterol", "E78.00", false},
	{"hypercholesterolemia", "E78.00", false},
	{"hypothyroidism", "E03.9", false},
	{"hyperthyroidism", "E05.90", false},
	{"obesity", "E66.9", false},
	{"obese", "E66.9", false},
	{"morbid obesity", "E66.01", false},
	{"severe obesity", "E66.01", false},
	{"vitamin d deficiency", "E55.9", false},

	// Kidney. Stage words as notes write them; "3" alone is N18.30.
	{"chronic kidney disease", "N18.9", false},
	{"ckd", "N18.9", true},
	{"ckd stage 1", "N18.1", true},
	{"ckd stage 2", "N18.2", true},
	{"ckd stage 3", "N18.30", true},
	{"ckd stage 3a", "N18.31", true},
	{"ckd stage 3b", "N18.32", true},
	{"ckd stage 4", "N18.4", true},
	{"ckd stage 5", "N18.5", true},
	{"ckd stage iii", "N18.30", true},
	{"ckd stage iv", "N18.4", true},
	{"ckd 3", "N18.30", true},
	{"ckd 3a", "N18.31", true},
	{"ckd 3b", "N18.32", true},
	{"ckd 4", "N18.4", true},
	{"chronic kidney disease stage 3", "N18.30", false},
	{"chronic kidney disease stage iii", "N18.30", false},
	{"chronic kidney disease stage iv", "N18.4", false},
	{"end stage renal disease", "N18.6", false},
	{"esrd", "N18.6", true},
	{"acute kidney injury", "N17.9", false},
	{"aki", "N17.9", true},
	{"kidney stone", "N20.0", false},
	{"kidney stones", "N20.0", false},
	{"urinary tract infection", "N39.0", false},
	{"uti", "N39.0", true},
	{"bph", "N40.0", true},

	// Lungs.
	{"copd", "J44.9", true},
	{"copd exacerbation", "J44.1", true},
	{"emphysema", "J43.9", false},
	{"asthma", "J45.909", false},
	{"reactive airway disease", "J45.909", false},
	{"obstructive sleep apnea", "G47.33", false},
	{"osa", "G47.33", true},
	{"sleep apnea", "G47.30", false},
	{"pneumonia", "J18.9", false},
	{"upper respiratory infection", "J06.9", false},
	{"uri", "J06.9", true},
	{"sinusitis", "J32.9", false},
	{"viral sinusitis", "J01.90", false},
	{"acute bronchitis", "J20.9", false},
	{"bronchitis", "J40", false},
	{"allergic rhinitis", "J30.9", false},
	{"perennial allergic rhinitis", "J30.89", false},
	{"seasonal allergic rhinitis", "J30.2", false},
	{"seasonal allergies", "J30.2", false},
	{"pharyngitis", "J02.9", false},
	{"sore throat", "J02.9", false},
	{"hay fever", "J30.1", false},

	// Digestive.
	{"gerd", "K21.9", true},
	{"gastroesophageal reflux", "K21.9", false},
	{"gastroesophageal reflux disease", "K21.9", false},
	{"acid reflux", "K21.9", false},
	{"irritable bowel syndrome", "K58.9", false},
	{"ibs", "K58.9", true},
	{"constipation", "K59.00", false},

	// Mental health.
	{"depression", "F32.A", false},
	{"depressive disorder", "F32.A", false},
	{"major depressive disorder", "F32.9", false},
	{"major depression", "F32.9", false},
	{"mdd", "F32.9", true},
	{"recurrent major depressive disorder", "F33.9", false},
	{"anxiety", "F41.9", false},
	{"anxiety disorder", "F41.9", false},
	{"generalized anxiety disorder", "F41.1", false},
	{"ptsd", "F43.10", true},
	{"post traumatic stress disorder", "F43.10", false},
	{"adhd", "F90.9", true},
	{"attention deficit hyperactivity disorder", "F90.9", false},
	{"insomnia", "G47.00", false},
	{"alcohol use disorder", "F10.20", false},
	{"alcohol dependence", "F10.20", false},
	{"alcohol abuse", "F10.10", false},
	{"nicotine dependence", "F17.200", false},
	{"tobacco use", "Z72.0", false},
	{"former smoker", "Z87.891", false},
	{"dementia", "F03.90", false},
	{"alzheimer disease", "G30.9", false},
	{"alzheimer dementia", "G30.9", false},

	// Musculoskeletal and pain.
	{"osteoarthritis", "M19.90", false},
	{"oa", "M19.90", true},
	{"osteoarthritis of knee", "M17.9", false},
	{"osteoarthritis of the knee", "M17.9", false},
	{"knee osteoarthritis", "M17.9", false},
	{"oa of knee", "M17.9", true},
	{"oa of the knee", "M17.9", true},
	{"knee oa", "M17.9", true},
	{"osteoarthritis of hip", "M16.9", false},
	{"hip osteoarthritis", "M16.9", false},
	{"rheumatoid arthritis", "M06.9", false},
	{"osteoporosis", "M81.0", false},
	{"gout", "M10.9", false},
	{"low back pain", "M54.50", false},
	{"lbp", "M54.50", true},
	{"back pain", "M54.9", false},
	{"fibromyalgia", "M79.7", false},
	{"acl tear", "S83.519A", true},
	{"acl injury", "S83.519A", true},
	{"injury of anterior cruciate ligament", "S83.519A", false},
	{"anterior cruciate ligament injury", "S83.519A", false},

	// Injuries and other problem-list wording (Synthea's displays among them).
	{"concussion", "S06.0X9A", false},
	{"concussion with no loss of consciousness", "S06.0X0A", false},
	{"concussion without loss of consciousness", "S06.0X0A", false},
	{"traumatic brain injury", "S06.9X9A", false},
	{"tbi", "S06.9X9A", true},
	{"brain damage traumatic", "S06.9X9A", false},
	{"gunshot wound", "T14.8XXA", false},
	{"bullet wound", "T14.8XXA", false},
	{"allergic reaction", "T78.40XA", false},
	{"acute allergic reaction", "T78.40XA", false},
	{"miscarriage", "O03.9", false},
	{"miscarriage in first trimester", "O03.9", false},
	{"spontaneous abortion", "O03.9", false},
	{"neoplasm of prostate", "D49.59", false},
	{"prostate cancer", "C61", false},
	{"breast cancer", "C50.919", false},
	{"lung cancer", "C34.90", false},
	{"colon cancer", "C18.9", false},
	{"anemia", "D64.9", false},
	{"iron deficiency anemia", "D50.9", false},

	// Symptoms that notes state bare.
	{"chest pain", "R07.9", false},
	{"shortness of breath", "R06.02", false},
	{"sob", "R06.02", true},
	{"headache", "R51.9", false},
	{"migraine", "G43.909", false},
	{"fatigue", "R53.83", false},
	{"dizziness", "R42", false},
	{"nausea", "R11.0", false},
	{"nausea and vomiting", "R11.2", false},
	{"diarrhea", "R19.7", false},
	{"cough", "R05.9", false},
	{"palpitations", "R00.2", false},
	{"fever", "R50.9", false},
}

// bmiCodes are the adult BMI codes (Z68.1–Z68.45) in the order bmiBand
// indexes them.
var bmiCodes = []string{
	"Z68.1",
	"Z68.20", "Z68.21", "Z68.22", "Z68.23", "Z68.24", "Z68.25", "Z68.26", "Z68.27", "Z68.28", "Z68.29",
	"Z68.30", "Z68.31", "Z68.32", "Z68.33", "Z68.34", "Z68.35", "Z68.36", "Z68.37", "Z68.38", "Z68.39",
	"Z68.41", "Z68.42", "Z68.43", "Z68.44", "Z68.45",
}

// bmiBand is the index into bmiCodes of an adult BMI value, or -1 when the
// value is not a plausible BMI.
func bmiBand(v float64) int {
	switch {
	case v < 10 || v > 150:
		return -1
	case v < 20:
		return 0
	case v < 40:
		return 1 + int(v) - 20
	case v < 45:
		return 21
	case v < 50:
		return 22
	case v < 60:
		return 23
	case v < 70:
		return 24
	default:
		return 25
	}
}

// familyHistoryCode maps a condition's ICD-10-CM code to the Z80–Z84
// family-history code of its group, or "" when there is none worth
// proposing. Ranges follow the Z80–Z84 titles.
func familyHistoryCode(code string) string {
	c := code
	if len(c) > 3 && c[3] == '.' {
		c = c[:3] + c[4:]
	}
	in := func(lo, hi string) bool { return c[:3] >= lo && c[:3] <= hi }
	switch {
	case in("C00", "C26"):
		return "Z80.0"
	case in("C33", "C34"):
		return "Z80.1"
	case in("C30", "C39"):
		return "Z80.2"
	case in("C50", "C50"):
		return "Z80.3"
	case in("C56", "C56"):
		return "Z80.41"
	case in("C61", "C61"):
		return "Z80.42"
	case in("C62", "C62"):
		return "Z80.43"
	case in("C51", "C63"):
		return "Z80.49"
	case in("C64", "C64"):
		return "Z80.51"
	case in("C67", "C67"):
		return "Z80.52"
	case in("C65", "C68"):
		return "Z80.59"
	case in("C91", "C95"):
		return "Z80.6"
	case in("C81", "C96"):
		return "Z80.7"
	case in("C80", "C80"):
		return "Z80.9"
	case in("C00", "C99"):
		return "Z80.8"
	case in("B20", "B20"):
		return "Z83.0"
	case in("A00", "B99"):
		return "Z83.1"
	case in("D50", "D89"):
		return "Z83.2"
	case in("E08", "E13"):
		return "Z83.3"
	case c == "E7801":
		return "Z83.42"
	case in("E78", "E78"):
		return "Z83.438"
	case in("E00", "E89"):
		return "Z83.49"
	case in("F10", "F10"):
		return "Z81.1"
	case in("F17", "F17"):
		return "Z81.2"
	case in("F11", "F19"):
		return "Z81.3"
	case in("F70", "F79"):
		return "Z81.0"
	case in("F01", "F99"):
		return "Z81.8"
	case in("G00", "G99"):
		return "Z82.0"
	case in("H40", "H40"):
		return "Z83.511"
	case in("H00", "H59"):
		return "Z83.518"
	case in("H60", "H95"):
		return "Z83.52"
	case in("I60", "I69"):
		return "Z82.3"
	case in("I00", "I99"):
		return "Z82.49"
	case in("J40", "J47"):
		return "Z82.5"
	case in("J00", "J99"):
		return "Z83.6"
	case in("K00", "K95"):
		return "Z83.79"
	case in("M80", "M81"):
		return "Z82.62"
	case in("M05", "M19"):
		return "Z82.61"
	case in("M00", "M99"):
		return "Z82.69"
	case in("N00", "N29"):
		return "Z84.19"
	case in("Q61", "Q61"):
		return "Z82.71"
	case in("Q00", "Q99"):
		return "Z82.79"
	}
	return ""
}
