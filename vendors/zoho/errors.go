package zoho

import (
	"strings"

	"github.com/lattice/lattice/vendors/internal/rest"
)

// Zoho envelope codes Lattice tells apart.
const (
	codeSuccess  = "0"
	codeNotFound = "1002"
)

// maxText caps a non-JSON error body kept as a message.
const maxText = 300

// envelope is what every Zoho Inventory response carries; the token
// endpoint uses error and error_description instead.
type envelope struct {
	Code        rest.ID `json:"code"`
	Message     string  `json:"message"`
	Error       string  `json:"error"`
	Description string  `json:"error_description"`
}

// parseError reads code and message from a Zoho error body. It never
// fails: a body that is not JSON yields its text, truncated.
func parseError(body []byte) (code, message string) {
	var env envelope
	if rest.Decode(body, &env) != nil {
		return "", truncate(string(body))
	}

	if env.Error != "" {
		msg := env.Description
		if msg == "" {
			msg = env.Error
		}
		return env.Error, msg
	}
	return string(env.Code), env.Message
}

func truncate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxText {
		return s
	}
	return strings.ToValidUTF8(s[:maxText], "") + "…"
}
