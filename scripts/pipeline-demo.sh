#!/usr/bin/env bash
# The document pipeline end to end with curl, against a running server
# (`make run`): a patient, then a PDF with a text layer, a scanned PNG and
# a DOCX holding her (synthetic) PHI; the Tasks until they complete; the
# redactions; $reidentify as the admin and, refused, as an analyst.
#
#   KILN_KEY=<the development key `make run` prints> scripts/pipeline-demo.sh
#
# Environment: KILN_KEY (required, an admin key), KILN_BASE (default
# http://localhost:8080/fhir/default), KILN_ANALYST_KEY (an analyst key; by
# default one is made with `$KILN_BIN apikey create --role analyst` on
# $KILN_DATA, defaults bin/kiln and ./data, as `make run` uses).
# Needs curl, jq, base64 and zip. Every document is synthetic.
set -euo pipefail

: "${KILN_KEY:?set KILN_KEY to the admin key kiln serve printed}"
B=${KILN_BASE:-http://localhost:8080/fhir/default}
KILN_BIN=${KILN_BIN:-bin/kiln}
KILN_DATA=${KILN_DATA:-./data}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

A=(-H "Authorization: Bearer $KILN_KEY")
J=(-H "Content-Type: application/fhir+json")
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

# --- fixtures ----------------------------------------------------------------

# A one-page PDF whose text layer holds the lines given (xref offsets computed).
make_pdf() {
	local out=$1; shift
	local stream="BT /F1 12 Tf 14 TL 72 720 Td"$'\n'
	for l in "$@"; do stream+="($l) Tj T*"$'\n'; done
	stream+="ET"
	local objs=(
		"<< /Type /Catalog /Pages 2 0 R >>"
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>"
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>"
		"<< /Length ${#stream} >>"$'\n'"stream"$'\n'"$stream"$'\n'"endstream"
	)
	printf '%%PDF-1.4\n' >"$out"
	local offsets=() i
	for i in "${!objs[@]}"; do
		offsets+=("$(stat -c %s "$out")")
		printf '%d 0 obj\n%s\nendobj\n' $((i + 1)) "${objs[$i]}" >>"$out"
	done
	local xref
	xref=$(stat -c %s "$out")
	printf 'xref\n0 %d\n0000000000 65535 f \n' $((${#objs[@]} + 1)) >>"$out"
	for o in "${offsets[@]}"; do printf '%010d 00000 n \n' "$o" >>"$out"; done
	printf 'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' $((${#objs[@]} + 1)) "$xref" >>"$out"
}

# A minimal Word document, one paragraph per line.
make_docx() {
	local out=$1; shift
	local dir="$WORK/docx" body=""
	mkdir -p "$dir/word"
	for l in "$@"; do body+="<w:p><w:r><w:t xml:space=\"preserve\">$l</w:t></w:r></w:p>"; done
	cat >"$dir/[Content_Types].xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
EOF
	printf '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>' "$body" >"$dir/word/document.xml"
	(cd "$dir" && zip -q -X "$out" '[Content_Types].xml' word/document.xml)
}

make_pdf "$WORK/note.pdf" "Progress note (synthetic test document)" \
	"Patient: Alice Testpatient   DOB: 01/01/1970   MRN: 55102938" \
	"Seen for seasonal allergic rhinitis; cetirizine helps." "Call back number (617) 555-0199."
make_docx "$WORK/referral.docx" "Referral letter (synthetic test document)" \
	"Dear colleague, I am referring Alice Testpatient (born 1970-01-01, MRN 55102938) for allergy testing." \
	"She can be reached at alice.testpatient@example.org."
cp "$HERE/pipeline/extract/testdata/scan.png" "$WORK/scan.png" # a scanned page of the same patient (needs OCR)

# --- the walkthrough ---------------------------------------------------------

say "1. The patient"
PAT=$(curl -sf "${A[@]}" "${J[@]}" -X POST "$B/Patient" -d '{"resourceType":"Patient",
  "name":[{"family":"Testpatient","given":["Alice"]}],"birthDate":"1970-01-01",
  "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:example:mrn","value":"55102938"}],
  "telecom":[{"system":"phone","value":"(617) 555-0199"},{"system":"email","value":"alice.testpatient@example.org"}]}' | jq -r .id)
echo "Patient/$PAT"

say "2. Three documents with inline data (each queues a Task)"
declare -A DOCS
for f in note.pdf:application/pdf scan.png:image/png \
	referral.docx:application/vnd.openxmlformats-officedocument.wordprocessingml.document; do
	file=${f%%:*} type=${f#*:}
	DATA=$(base64 -w0 "$WORK/$file")
	DOCS[$file]=$(curl -sf "${A[@]}" "${J[@]}" -X POST "$B/DocumentReference" -d '{"resourceType":"DocumentReference","status":"current",
	  "subject":{"reference":"Patient/'"$PAT"'"},"content":[{"attachment":{"contentType":"'"$type"'","data":"'"$DATA"'"}}]}' | jq -r .id)
	echo "$file → DocumentReference/${DOCS[$file]}"
done

say "3. Tasks: requested → in-progress → completed (or failed, with the reason)"
for file in "${!DOCS[@]}"; do
	DOC=${DOCS[$file]}
	for _ in $(seq 1 120); do
		TASK=$(curl -sf "${A[@]}" "$B/Task?focus=DocumentReference/$DOC" | jq -c '.entry[0].resource | {status, stage: .businessStatus.text, reason: .statusReason.text}')
		case $(jq -r .status <<<"$TASK") in completed | failed) break ;; esac
		sleep 0.5
	done
	echo "$file: $TASK"
done

say "4. The redactions (PHI replaced by the patient's vault tokens), the originals without their bytes, the Provenance"
for file in "${!DOCS[@]}"; do
	DOC=${DOCS[$file]}
	echo "--- $file"
	if curl -sf "${A[@]}" "$B/DocumentReference/redacted-$DOC" >"$WORK/red.json"; then
		jq -r '.content[0].attachment.data' "$WORK/red.json" | base64 -d
		echo
		echo "dates: $(jq -r '.meta.tag[]? | select(.system | endswith("redaction-date-method")) | .code' "$WORK/red.json")"
		echo "original attachment: $(curl -sf "${A[@]}" "$B/DocumentReference/$DOC" | jq -c '.content[0].attachment | {data: (.data != null), removed: (.extension != null)}')"
		echo "provenance entity: $(curl -sf "${A[@]}" "$B/Provenance/prov-redacted-$DOC" | jq -r '.entity[0].what.reference')"
	else
		echo "(no redaction: see the Task's reason above; a scan needs a build with OCR)"
	fi
done

say "5. The pipeline's audit trail (what happened, counts by category, never values)"
curl -sf "${A[@]}" "$B/AuditEvent?_count=200" |
	jq -r '.entry[]?.resource.entity[]?.query // empty' | while read -r q; do base64 -d <<<"$q" 2>/dev/null; echo; done |
	grep '^document-pipeline' | sort | uniq -c

say "6. \$reidentify: the admin gets the originals back; an analyst is refused (both audited)"
if [[ -z ${KILN_ANALYST_KEY:-} ]]; then
	KILN_ANALYST_KEY=$("$KILN_BIN" apikey create --tenant default --role analyst --name "pipeline demo" --data "$KILN_DATA" | awk '/^\t/ {print $1}')
fi
for file in "${!DOCS[@]}"; do
	DOC=${DOCS[$file]}
	curl -s -o /dev/null -f "${A[@]}" "$B/DocumentReference/redacted-$DOC" || continue
	echo "--- $file"
	curl -sf "${A[@]}" "$B/DocumentReference/redacted-$DOC/\$reidentify" | jq -r '.parameter[] | select(.name == "text") | .valueString'
	echo "analyst: HTTP $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KILN_ANALYST_KEY" "$B/DocumentReference/redacted-$DOC/\$reidentify")"
done

say "Date shifting instead of tokens, for this tenant, in every process:"
echo "  $KILN_BIN tenant settings set dates=shift --tenant default --data $KILN_DATA"
