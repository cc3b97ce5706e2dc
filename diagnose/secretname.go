package diagnose

import (
	"net/url"
	"strings"
	"unicode"
)

// SecretName reports whether a field, parameter, header, cookie or option
// name says its value is a secret: split into words on case changes, "_",
// "-", "." and spaces (after percent-decoding), its last word, or its last
// two words written together, is one of the secret words ("userPassword",
// "x-api-key", "id_token", "Proxy-Authorization", "X-Amz-Security-Token",
// "JSESSIONID", "access%5Ftoken"). A secret word in the middle of a name
// does not count: "dateTokenIdles" and "tokenType" are not secrets (the
// checks read them).
func SecretName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	if secretWords[last] {
		return true
	}
	if len(words) >= 2 {
		return secretPairs[words[len(words)-2]+last]
	}
	return false
}

// QuerySecretName is SecretName for a URL's query parameter or a form
// field, where a few more short names carry credentials (an OAuth "code",
// a signed URL's "sig" or "key").
func QuerySecretName(name string) bool {
	if SecretName(name) {
		return true
	}
	n, err := url.QueryUnescape(name)
	if err != nil {
		n = name
	}
	return queryOnlySecrets[strings.ToLower(n)]
}

// secretWords are the last words that make a name a secret.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "passphrase": true, "secret": true, "clientsecret": true,
	"token": true, "accesstoken": true, "refreshtoken": true, "sessiontoken": true, "idtoken": true, "jwt": true,
	"apikey": true, "signature": true, "authorization": true, "cookie": true, "credential": true, "credentials": true,
	"jsessionid": true, "phpsessid": true, "sessionid": true, "aspsessionid": true,
}

// secretPairs are two last words that make a secret together though the
// last alone does not: "api key", "private key".
var secretPairs = map[string]bool{"apikey": true, "privatekey": true, "secretkey": true, "accesskey": true, "sessionkey": true, "authkey": true, "signingkey": true}

// queryOnlySecrets are query parameter names that carry credentials
// (never read as such in JSON, where "code" is an error code).
var queryOnlySecrets = map[string]bool{"code": true, "key": true, "sig": true, "auth": true, "session": true, "access_token": true, "x-amz-credential": true}

// nameWords splits a name into lower-case words: "XAmzSignature" is
// x, amz, signature; "APIKey" is api, key; "JSESSIONID" is one word.
func nameWords(name string) []string {
	if strings.Contains(name, "%") {
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
	}
	rs := []rune(strings.Trim(name, `"' `))
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ' || r == ':':
			flush()
			continue
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && i > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}
