// Package casefile reads the request cases under testdata/: requests with
// the answers they must get. The decoder's, the API's and the end-to-end
// tests all run them, so the format is read in one place.
package casefile

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Files are the case files: the shared cases and Lattice's own, in the same
// format.
var Files = []string{"cancel-requests.json", "cancel-requests-extra.json"}

// Case is one request and the answer it must get.
type Case struct {
	Name       string            `json:"name"`
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	Headers    map[string]string `json:"headers"`
	Body       *string           `json:"body"`
	BodyBase64 string            `json:"body_base64"`
	BodyRepeat *Repeat           `json:"body_repeat"`
	// ExpectStatus is the HTTP status the request must get; for 422,
	// ExpectLoc and ExpectDetailType name one entry the answer must list.
	ExpectStatus     int    `json:"expect_status"`
	ExpectLoc        []any  `json:"expect_loc"`
	ExpectDetailType string `json:"expect_detail_type"`
	Why              string `json:"why"`
}

// Repeat is a body too large to write out: Prefix, Repeat Times times,
// then Suffix.
type Repeat struct {
	Prefix string `json:"prefix"`
	Repeat string `json:"repeat"`
	Times  int    `json:"times"`
	Suffix string `json:"suffix"`
}

// Bytes returns the case's body; nil when it sends none.
func (c Case) Bytes() ([]byte, error) {
	switch {
	case c.Body != nil:
		return []byte(*c.Body), nil
	case c.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(c.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("decode body of case %s: %w", c.Name, err)
		}
		return b, nil
	case c.BodyRepeat != nil:
		r := c.BodyRepeat
		return []byte(r.Prefix + strings.Repeat(r.Repeat, r.Times) + r.Suffix), nil
	}
	return nil, nil
}

// Load reads every case of Files from dir, the testdata folder.
func Load(dir string) ([]Case, error) {
	var cases []Case
	for _, name := range Files {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read cases: %w", err)
		}
		var file struct {
			Cases []Case `json:"cases"`
		}
		if err := json.Unmarshal(raw, &file); err != nil {
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
		if len(file.Cases) == 0 {
			return nil, fmt.Errorf("decode %s: no cases", name)
		}
		cases = append(cases, file.Cases...)
	}
	return cases, nil
}
