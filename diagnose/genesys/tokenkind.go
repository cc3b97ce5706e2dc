package genesys

import "strings"

// IsClientCredentials reports whether the token info is of a
// client-credentials token (its OAuth client's grant type): such a token
// has no user, so an operation listing not.a.user refuses it.
func (t *TokenInfo) IsClientCredentials() bool {
	return t != nil && t.OAuthClient != nil &&
		strings.EqualFold(strings.ReplaceAll(t.OAuthClient.AuthorizedGrantType, "_", "-"), "CLIENT-CREDENTIALS")
}
