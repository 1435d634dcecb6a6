package equinix

import (
	"encoding/json"
	"strings"
)

// maxText caps a non-JSON error body kept as a message, such as an HTML
// page from a proxy.
const maxText = 300

// apiError is one entry of the orders API's error array.
type apiError struct {
	ErrorCode      string `json:"errorCode"`
	ErrorMessage   string `json:"errorMessage"`
	Details        string `json:"details"`
	CorrelationID  string `json:"correlationId"`
	AdditionalInfo []struct {
		Property string `json:"property"`
		Reason   string `json:"reason"`
	} `json:"additionalInfo"`
}

// historyErrors is the order-history API's shape.
type historyErrors struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	TicketID string `json:"ticketId"`
}

// tokenError is the token endpoint's shape.
type tokenError struct {
	ErrorCode        string `json:"error_code"`
	ErrorMessage     string `json:"error_message"`
	DeveloperMessage string `json:"developer_message"`
	ErrorTitle       string `json:"error_title"`
}

// parseError reads code and message from any of the error shapes Equinix
// uses. It never fails: an unknown body yields its text, truncated.
func parseError(body []byte) (code, message string) {
	trimmed := strings.TrimSpace(string(body))
	switch {
	case strings.HasPrefix(trimmed, "["):
		return parseArray(body)
	case strings.HasPrefix(trimmed, "{"):
		return parseObject(body)
	}
	return "", truncate(trimmed)
}

func parseArray(body []byte) (code, message string) {
	var errs []apiError
	if err := json.Unmarshal(body, &errs); err != nil || len(errs) == 0 {
		return "", truncate(string(body))
	}

	msgs := make([]string, 0, len(errs))
	for _, e := range errs {
		msgs = append(msgs, e.text())
	}
	return errs[0].ErrorCode, strings.Join(msgs, "; ")
}

// text is the message a person reads: the error, its details, the
// properties it names, and the correlation id support asks for.
func (e apiError) text() string {
	parts := nonEmpty(e.ErrorMessage, e.Details)
	for _, info := range e.AdditionalInfo {
		parts = append(parts, strings.Join(nonEmpty(info.Property, info.Reason), " "))
	}

	s := strings.Join(parts, ": ")
	if e.CorrelationID != "" {
		s += " (correlation id " + e.CorrelationID + ")"
	}
	return s
}

func parseObject(body []byte) (code, message string) {
	var h historyErrors
	if json.Unmarshal(body, &h) == nil && len(h.Errors) > 0 {
		msgs := make([]string, 0, len(h.Errors))
		for _, e := range h.Errors {
			msgs = append(msgs, e.Message)
		}
		return h.Errors[0].Code, strings.Join(nonEmpty(msgs...), "; ")
	}

	var t tokenError
	if json.Unmarshal(body, &t) == nil {
		msg := t.ErrorMessage
		if msg == "" {
			msg = t.ErrorTitle
		}
		return t.ErrorCode, strings.Join(nonEmpty(msg, t.DeveloperMessage), ": ")
	}
	return "", truncate(string(body))
}

func nonEmpty(ss ...string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func truncate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxText {
		return s
	}
	return strings.ToValidUTF8(s[:maxText], "") + "…"
}
