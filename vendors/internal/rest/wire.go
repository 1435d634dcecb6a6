package rest

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultHTTPClient is the client used when a caller passes none: every
// phase of a call is bounded, so a vendor that hangs cannot hold a worker.
func DefaultHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 30 * time.Second
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// RetryAfter parses a Retry-After value, either delay-seconds or an HTTP
// date. It returns zero for an empty, invalid or past value.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}

	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return seconds(secs)
	}

	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) {
		return 0
	}
	return t.Sub(now)
}

// seconds converts a count of seconds to a duration, clamping it so that
// a huge value cannot overflow.
func seconds(n int64) time.Duration {
	const most = int64(math.MaxInt64 / int64(time.Second))
	if n <= 0 {
		return 0
	}
	return time.Duration(min(n, most)) * time.Second
}

// Decode unmarshals a vendor's JSON body into v. A field whose type is
// not the one expected is left at its zero value instead of failing the
// whole body, so that a vendor changing a field Lattice barely reads
// cannot stop it; malformed JSON is still an error.
func Decode(body []byte, v any) error {
	err := json.Unmarshal(body, v)

	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return nil
	}
	return err
}

// Seconds is a lifetime in seconds that vendors send either as a JSON
// number or as a string of digits. Anything else decodes as zero rather
// than failing the whole response.
type Seconds int64

// UnmarshalJSON accepts 3600, 3600.0 and "3600".
func (s *Seconds) UnmarshalJSON(b []byte) error {
	raw := strings.Trim(string(b), `"`)
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || f < 0 || f > math.MaxInt32 {
		*s = 0
		return nil
	}
	*s = Seconds(f)
	return nil
}

// Duration is s as a time.Duration.
func (s Seconds) Duration() time.Duration {
	return seconds(int64(s))
}

// ID is a record id that a vendor sends either as a JSON string or as a
// bare number. A number is kept as its literal digits: Zoho's 19-digit
// ids do not survive a float64.
type ID string

// UnmarshalJSON keeps a string's value or a number's literal text. Any
// other value (null, bool, object) gives an empty id.
func (id *ID) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*id = ID(s)
		return nil
	}

	var n json.Number
	if json.Unmarshal(b, &n) == nil {
		*id = ID(n.String())
		return nil
	}

	*id = ""
	return nil
}
