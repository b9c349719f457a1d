package vault

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A token is "[" category "_" number "]", category upper-case letters,
// digits and underscores (the phi categories: NAME, HEALTH_PLAN...).
var (
	categoryPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,31}$`)
	tokenPattern    = regexp.MustCompile(`\[[A-Z][A-Z0-9_]{0,31}_[1-9][0-9]{0,8}\]`)
)

// formatToken is the n-th token of category.
func formatToken(category string, n int) string {
	return "[" + category + "_" + strconv.Itoa(n) + "]"
}

// checkCategory rejects categories that would make ambiguous tokens.
func checkCategory(category string) error {
	if !categoryPattern.MatchString(category) {
		return fmt.Errorf("%w: category %q: use 1-32 upper-case letters, digits and '_', starting with a letter", ErrInvalid, category)
	}
	return nil
}

// isToken reports whether s is one whole token.
func isToken(s string) bool {
	loc := tokenPattern.FindStringIndex(s)
	return loc != nil && loc[0] == 0 && loc[1] == len(s)
}

// tokenCategory is the category of a well-formed token.
func tokenCategory(token string) string {
	return token[1:strings.LastIndexByte(token, '_')]
}

// TokensIn returns the vault tokens in text ("[NAME_1]", "[DATE_3]"...),
// each once, in order of first appearance: what $reidentify passes to
// Reveal for a redacted document.
func TokensIn(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tokenPattern.FindAllString(text, -1) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
