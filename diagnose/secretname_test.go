package diagnose

import "testing"

// TestSecretName: a name is a secret by its last word(s), in any case and
// style, percent-encoded too; never by a word in its middle.
func TestSecretName(t *testing.T) {
	for _, name := range []string{"password", "passwd", "pwd", "secret", "client_secret", "clientSecret", "token", "accessToken", "refreshToken",
		"sessionToken", "jwt", "oauth_token", "api_key", "apikey", "APIKey", "x-api-key", "X-Api-Key", "signature", "X-Amz-Signature",
		"authorization", "Proxy-Authorization", "JSESSIONID", "userPassword", "id_token", "X-Amz-Security-Token", "access%5Ftoken",
		"PASSWORD", "Client-Secret", "privateKey", "cookie", "Set-Cookie", "x-csrf-token"} {
		if !SecretName(name) {
			t.Errorf("%q is a secret name", name)
		}
	}
	for _, name := range []string{"dateTokenIdles", "tokenType", "token_type", "expires_in", "state", "code", "key", "sessionId", "participantId",
		"authorizedScope", "passwordPolicy", "secretary", "keyboard", "tokens", "", "id", "address", "signatureAlgorithm", "monkey"} {
		if SecretName(name) {
			t.Errorf("%q is not a secret name", name)
		}
	}
	for _, name := range []string{"code", "sig", "key", "access_token", "X-Amz-Credential"} {
		if !QuerySecretName(name) {
			t.Errorf("query parameter %q is a secret", name)
		}
	}
	if QuerySecretName("state") || QuerySecretName("pageSize") {
		t.Error("state and pageSize are not secrets")
	}
}
