package report

import (
	"math/big"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// Personal numbers in free text. libphonenumber's Go port decides what is
// a phone number, but its text matcher is a stub (reference §5): a scanner
// of our own finds the candidates (runs of digits and the separators
// people write them with, after tel:, sip:, + or %2B), the parser decides
// and normalises them, so that tel:+13175550142, (317) 555-0142 and
// +1 317 555 0142 are one number with one label. Payment card numbers
// (Luhn-valid, with a card issuer's prefix) and IBANs (checksum-valid) are
// masked too.

// DefaultPhoneRegion is the region national numbers are read in when
// neither the org nor a flag names one.
const DefaultPhoneRegion = "US"

// textSpan is a candidate's place in a string.
type textSpan struct{ start, end int }

var (
	ssnRe     = lazyRegexp(`^\d{3}-\d{2}-\d{4}$`)
	isoDateRe = lazyRegexp(`\d{4}-\d{2}-\d{2}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`)
	ibanRe    = lazyRegexp(`\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b`)
)

// phoneCandidates finds what may be phone numbers in s: a run of digits
// and separators (space . - ( ) /), after an optional tel:/sip: and +,
// %2B or \u002b, with at least 7 digits, that is not part of a longer word
// or id (a UUID's digits, a timestamp's). A run may hold several numbers
// side by side ("+1 317-555-0188 020 7946 0857"): splitPhones parts them.
func phoneCandidates(s string) []textSpan {
	var out []textSpan
	for i := 0; i < len(s); {
		start, j := i, i
		if p := phonePrefixLen(s[i:]); p > 0 {
			j += p
		} else if !(s[i] >= '0' && s[i] <= '9' || s[i] == '(' && i+1 < len(s) && isDigit(s[i+1])) {
			i++
			continue
		}
		if start > 0 && (isIDChar(s[start-1]) || strings.IndexByte("-./", s[start-1]) >= 0) {
			i = max(skipWord(s, j), i+1)
			continue
		}
		end, digits := scanNumber(s, j)
		if end < len(s) && isIDChar(s[end]) || end+1 < len(s) && (s[end] == '-' || s[end] == '.') && isAlnum(s[end+1]) {
			i = skipWord(s, max(end, j+1))
			continue
		}
		if digits >= 7 {
			out = append(out, textSpan{start, end})
		}
		i = max(end, j+1)
	}
	return out
}

// phonePrefixLen is the length of a phone number's prefix at the start of
// s (tel:, sip:, +, %2B, \u002b, or a scheme and a plus), 0 for none.
func phonePrefixLen(s string) int {
	n := 0
	if len(s) > 4 && (strings.EqualFold(s[:4], "tel:") || strings.EqualFold(s[:4], "sip:")) {
		n = 4
	}
	rest := s[n:]
	switch {
	case strings.HasPrefix(rest, "+"):
		n++
	case len(rest) >= 3 && strings.EqualFold(rest[:3], "%2B"):
		n += 3
	case len(rest) >= 6 && strings.EqualFold(rest[:6], `\u002b`):
		n += 6
	}
	if n == 0 || n >= len(s) || !isDigit(s[n]) && s[n] != '(' {
		return 0
	}
	return n
}

// scanNumber reads digits and separators from i: no two separators but a
// space and a bracket together, no more than 32 bytes; trailing
// separators are not part of it.
func scanNumber(s string, i int) (end, digits int) {
	end, run := i, 0
	for j := i; j < len(s) && j-i < 32; j++ {
		c := s[j]
		switch {
		case isDigit(c):
			digits++
			run = 0
			end = j + 1
		case strings.IndexByte(" .-()/", c) >= 0:
			run++
			if run > 2 {
				return end, digits
			}
			if c == ')' {
				end = j + 1
			}
		default:
			return end, digits
		}
	}
	return end, digits
}

func skipWord(s string, i int) int {
	for i < len(s) && isIDChar(s[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isIDChar(c byte) bool { return isAlnum(c) || c == '_' }

// splitPhones finds the phone numbers in one candidate run: the whole run
// when it is one; else the longest run of its space-separated groups from
// the start that the parser says is a valid number, then the rest
// likewise; a first group that starts none is skipped, and what follows
// a skipped group must be a valid number (a prefix of a long id is not a
// phone written in groups).
func splitPhones(run string, at int, judge func(string) phoneVerdict, valid func(string) bool) []textSpan {
	var out []textSpan
	shapeOK := true
	for run != "" {
		if shapeOK && judge(run).phone {
			return append(out, textSpan{at, at + len(run)})
		}
		found := 0
		for i := len(run) - 1; i > 0; i-- {
			if run[i] != ' ' || run[i-1] == ' ' {
				continue
			}
			if part := run[:i]; countDigits(part) >= 7 && valid(part) {
				out = append(out, textSpan{at, at + len(part)})
				found, shapeOK = i, true
				break
			}
		}
		if found == 0 {
			if found = strings.IndexByte(run, ' '); found < 0 {
				break
			}
			shapeOK = false
		}
		skip := len(run[found:]) - len(strings.TrimLeft(run[found:], " "))
		at, run = at+found+skip, run[found+skip:]
		if !startsNumber(run) {
			break
		}
	}
	return out
}

// startsNumber reports whether a phone number may start s.
func startsNumber(s string) bool {
	return s != "" && (isDigit(s[0]) || s[0] == '(' || phonePrefixLen(s) > 0)
}

// phoneVerdict is what the parser made of one candidate.
type phoneVerdict struct {
	// phone is set for a phone number.
	phone bool
	// key is the number normalised (E.164 when the parser read it), so
	// that every way of writing it gets one label.
	key string
}

// judgePhone decides whether a candidate is a phone number:
//   - an international number (+, 00, 011, tel:+) with 7 to 15 digits
//     after its prefix, in the groups phone numbers are written in (its
//     E.164 form is its digits: no parsing needed), or one the parser
//     says is valid;
//   - a national number written in groups (a space, dot, dash or
//     brackets) with 9 to 15 digits, but not a date, an address or an
//     SSN (123-45-6789), or one the parser says is valid;
//   - digits alone only when the parser says they are a valid number of
//     the region (3175550142): ids and timestamps are digits alone too.
func judgePhone(cand, region string) phoneVerdict {
	t := cand
	if len(t) > 4 && (strings.EqualFold(t[:4], "tel:") || strings.EqualFold(t[:4], "sip:")) {
		t = t[4:]
	}
	intl := false
	for _, p := range []string{"+", "%2B", "%2b", `\u002b`, `\u002B`} {
		if strings.HasPrefix(t, p) {
			t, intl = "+"+t[len(p):], true
			break
		}
	}
	if ssnRe().MatchString(t) || isoDateRe().MatchString(t) {
		return phoneVerdict{}
	}
	digits := countDigits(t)
	dialled := onlyDigits(t)
	switch {
	case !intl && strings.HasPrefix(dialled, "00") && digits >= 9:
		intl, dialled = true, dialled[2:]
	case !intl && strings.HasPrefix(dialled, "011") && digits >= 10:
		intl, dialled = true, dialled[3:]
	}
	if intl && len(dialled) >= 7 && len(dialled) <= 15 && groupedLikeAPhone(t, true) && !strings.Contains(t, "(0)") {
		return phoneVerdict{phone: true, key: "+" + dialled}
	}
	n, err := phonenumbers.Parse(map[bool]string{true: "+" + dialled, false: dialled}[intl], region)
	key := dialled
	if err == nil {
		key = phonenumbers.Format(n, phonenumbers.E164)
	}
	valid := err == nil && phonenumbers.IsValidNumber(n) && (intl || digits >= 10)
	grouped := strings.ContainsAny(strings.TrimLeft(t, "+"), " .-()/")
	shaped := !intl && grouped && digits >= 9 && digits <= 15 && groupedLikeAPhone(t, false)
	return phoneVerdict{phone: valid || shaped, key: key}
}

// validPhone reports whether the parser says a candidate is a valid
// number (read in region when national).
func validPhone(cand, region string) bool {
	t := cand
	if len(t) > 4 && (strings.EqualFold(t[:4], "tel:") || strings.EqualFold(t[:4], "sip:")) {
		t = t[4:]
	}
	if strings.HasPrefix(t, "%2B") || strings.HasPrefix(t, "%2b") {
		t = "+" + t[3:]
	}
	n, err := phonenumbers.Parse(t, region)
	return err == nil && phonenumbers.IsValidNumber(n) && (strings.HasPrefix(t, "+") || countDigits(t) >= 10)
}

// groupedLikeAPhone reports whether a number's digit groups are the way
// phone numbers are written: two to five groups, the first of up to five
// digits (one or more after a +), the others of two to eight.
func groupedLikeAPhone(t string, intl bool) bool {
	groups := strings.FieldsFunc(t, func(c rune) bool { return c < '0' || c > '9' })
	if len(groups) == 1 {
		return intl
	}
	if len(groups) > 5 || len(groups[0]) > 5 || len(groups[0]) < 2 && !intl {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) < 2 || len(g) > 8 {
			return false
		}
	}
	return true
}

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// cardCandidates finds payment card numbers: 13 to 19 digits, in groups
// of digits with single spaces or dashes, with a card issuer's prefix and
// a valid Luhn check digit, not part of a longer number or id.
func cardCandidates(s string) []textSpan {
	var out []textSpan
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || i > 0 && (isIDChar(s[i-1]) || s[i-1] == '-' || s[i-1] == '.') {
			continue
		}
		j, digits := i, 0
		for j < len(s) {
			switch {
			case isDigit(s[j]):
				digits++
				j++
				continue
			case (s[j] == ' ' || s[j] == '-') && j+1 < len(s) && isDigit(s[j+1]) && digits < 19:
				j++
				continue
			}
			break
		}
		if j < len(s) && (isIDChar(s[j]) || (s[j] == '-' || s[j] == '.') && j+1 < len(s) && isAlnum(s[j+1])) {
			i = j
			continue
		}
		if d := onlyDigits(s[i:j]); digits >= 13 && digits <= 19 && cardPrefix(d) && luhn(d) {
			out = append(out, textSpan{i, j})
		}
		i = j
	}
	return out
}

// cardPrefix reports whether a number starts as a card issuer's do (Visa,
// Mastercard, American Express, Discover, JCB, Diners, UnionPay).
func cardPrefix(d string) bool {
	for _, p := range []string{"4", "51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27", "34", "37", "6011", "65", "644", "645", "646", "647", "648", "649", "35", "300", "301", "302", "303", "304", "305", "36", "38", "62"} {
		if strings.HasPrefix(d, p) {
			return true
		}
	}
	return false
}

// luhn reports whether a number's last digit is its Luhn check digit.
func luhn(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// validIBAN reports whether an IBAN (spaces allowed) has a valid ISO 13616
// checksum: moved four characters, letters as numbers, mod 97 is 1.
func validIBAN(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	var b strings.Builder
	for _, c := range s[4:] + s[:4] {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			b.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// replaceSpans replaces each textSpan of s with f's answer.
func replaceSpans(s string, spans []textSpan, f func(string) string) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.start])
		b.WriteString(f(s[sp.start:sp.end]))
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// regionCountries are the countries Genesys Cloud regions are in: where
// an org's customers' national numbers are most likely from.
var regionCountries = map[string]string{
	"us-east-1": "US", "us-east-2": "US", "us-west-2": "US", "ca-central-1": "CA", "sa-east-1": "BR", "mx-central-1": "MX",
	"eu-west-1": "IE", "eu-west-2": "GB", "eu-central-1": "DE", "eu-central-2": "CH", "me-central-1": "AE", "ap-south-1": "IN",
	"ap-northeast-1": "JP", "ap-northeast-2": "KR", "ap-northeast-3": "JP", "ap-southeast-1": "SG", "ap-southeast-2": "AU",
}

// PhoneRegion is the region national phone numbers are read in: flag (an
// ISO 3166 code given by the user) when set, else the country of the
// org's Genesys region (a key or a domain), else DefaultPhoneRegion.
func PhoneRegion(flag, orgRegion string) string {
	if flag != "" {
		return strings.ToUpper(flag)
	}
	if r, err := genesys.LookupRegion(orgRegion); err == nil && regionCountries[r.Key] != "" {
		return regionCountries[r.Key]
	}
	return DefaultPhoneRegion
}

// ValidPhoneRegion reports whether s is a region the phone-number parser
// knows ("US", "gb").
func ValidPhoneRegion(s string) bool {
	return len(s) == 2 && phonenumbers.GetCountryCodeForRegion(strings.ToUpper(s)) != 0
}
