package sandbox

import (
	"crypto/rand"
	"strings"
	"time"
)

// tokenLifetime is how long an issued access token stays valid; the token
// responses announce it (Equinix says 3599 seconds, the others 3600).
const tokenLifetime = time.Hour

// token is an issued access token.
type token struct {
	vendor  string
	expires time.Time
}

// issueToken mints an access token for vendor.
func (s *Sandbox) issueToken(vendor string) string {
	t := rand.Text()

	s.mu.Lock()
	defer s.mu.Unlock()

	s.tokens[t] = token{vendor: vendor, expires: time.Now().Add(tokenLifetime)}
	return t
}

// validToken reports whether the Authorization header carries a live
// token of vendor under the given scheme ("Bearer", "Zoho-oauthtoken").
func (s *Sandbox) validToken(header, scheme, vendor string) bool {
	// Auth schemes are case-insensitive (RFC 9110, section 11.1).
	got, t, ok := strings.Cut(header, " ")
	t = strings.TrimSpace(t)
	if !ok || !strings.EqualFold(got, scheme) || t == "" {
		return false
	}

	s.mu.Lock()
	defer s.mu.Unlock()

	tok, ok := s.tokens[t]
	return ok && tok.vendor == vendor && time.Now().Before(tok.expires)
}

// ExpireTokens makes every access token issued so far for vendor answer as
// expired, as if its lifetime had run out.
func (s *Sandbox) ExpireTokens(vendor string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	past := time.Now().Add(-time.Second)
	for t, tok := range s.tokens {
		if tok.vendor == vendor {
			tok.expires = past
			s.tokens[t] = tok
		}
	}
}
