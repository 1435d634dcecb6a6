package netsuite

import (
	"strings"

	"github.com/lattice/lattice/vendors/internal/rest"
)

// NetSuite error codes Lattice tells apart.
const (
	CodeInvalidLogin     = "INVALID_LOGIN"
	CodeConcurrencyLimit = "CONCURRENCY_LIMIT_EXCEEDED"
	CodeNonexistentID    = "NONEXISTENT_ID"
)

// maxText caps a non-JSON error body kept as a message.
const maxText = 300

// problem is NetSuite's error body; the token endpoint answers with the
// OAuth error and error_description instead.
type problem struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Details []struct {
		Detail    string `json:"detail"`
		ErrorCode string `json:"o:errorCode"`
		ErrorPath string `json:"o:errorPath"`
	} `json:"o:errorDetails"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// parseError reads code and message from a NetSuite error body. It never
// fails: a body that is not JSON yields its text, truncated.
func parseError(body []byte) (code, message string) {
	var p problem
	if rest.Decode(body, &p) != nil {
		return "", truncate(string(body))
	}

	if len(p.Details) == 0 {
		if p.Error != "" {
			return p.Error, firstNonEmpty(p.Description, p.Error)
		}
		return "", p.Title
	}

	msgs := make([]string, 0, len(p.Details))
	for _, d := range p.Details {
		msg := firstNonEmpty(d.Detail, p.Title)
		if d.ErrorPath != "" {
			msg += " (" + d.ErrorPath + ")"
		}
		msgs = append(msgs, msg)
	}
	return p.Details[0].ErrorCode, strings.Join(msgs, "; ")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func truncate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxText {
		return s
	}
	return strings.ToValidUTF8(s[:maxText], "") + "…"
}
