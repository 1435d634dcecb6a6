package starter

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
)

// openPaths answer without a token: load balancers and orchestrators
// probe them and hold no credentials. /metrics is not among them: a
// Prometheus scrape sends a bearer token like any other client.
var openPaths = map[string]bool{
	"/healthz": true,
	"/readyz":  true,
}

// wwwAuthenticate is the challenge of a 401 (RFC 6750).
const wwwAuthenticate = `Bearer realm="lattice"`

// RequireTokens guards next with bearer tokens: every request but the
// health checks must carry "Authorization: Bearer <token>" with one of
// tokens, else it is answered 401 and next never sees it. With no
// tokens it returns next unguarded, so a caller that means to run open
// must say so by passing none.
func RequireTokens(next http.Handler, tokens []string, logger *slog.Logger) http.Handler {
	if len(tokens) == 0 {
		return next
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	// Comparing digests keeps every comparison the same length, so the
	// time taken tells nothing about a token's length either.
	digests := make([][sha256.Size]byte, len(tokens))
	for i, t := range tokens {
		digests[i] = sha256.Sum256([]byte(t))
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if openPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := bearer(r.Header.Get("Authorization"))
		switch {
		case !ok:
			refuse(w, r, logger, wwwAuthenticate, "missing bearer token")
		case !known(digests, token):
			refuse(w, r, logger, wwwAuthenticate+`, error="invalid_token"`, "invalid bearer token")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// bearer extracts the token of an Authorization header; the scheme is
// case-insensitive.
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// known compares token with every digest, never stopping early.
func known(digests [][sha256.Size]byte, token string) bool {
	d := sha256.Sum256([]byte(token))
	found := 0
	for i := range digests {
		found |= subtle.ConstantTimeCompare(d[:], digests[i][:])
	}
	return found == 1
}

// refuse answers 401 in the API's error shape. The log line names the
// method and path, never the header.
func refuse(w http.ResponseWriter, r *http.Request, logger *slog.Logger, challenge, detail string) {
	logger.Warn("Request refused", "method", r.Method, "path", r.URL.Path, "reason", detail)
	w.Header().Set("WWW-Authenticate", challenge)
	writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": detail})
}
