package lattice_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice"
	"github.com/lattice/lattice/crossconnect"
)

func loadDocument(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(lattice.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	require.True(t, doc.IsOpenAPI31OrLater(), "version %s", doc.OpenAPI)
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	loadDocument(t)
}

// TestOpenAPIExamplesHoldTrue checks every example of the document
// against its own schema, and the request examples against the decoder:
// an example a client copies must be accepted.
func TestOpenAPIExamplesHoldTrue(t *testing.T) {
	doc := loadDocument(t)
	cancel := doc.Paths.Find("/accounting/crossconnect/qcl_crossconnect_cancel").Post
	require.NotNil(t, cancel)

	media := cancel.RequestBody.Value.Content.Get("application/json")
	require.NotEmpty(t, media.Examples)
	for name, ex := range media.Examples {
		assert.NoError(t, visit(media.Schema, ex.Value.Value), "request example %s", name)
		body, err := json.Marshal(ex.Value.Value)
		require.NoError(t, err)
		_, err = crossconnect.Decode(body)
		assert.NoError(t, err, "request example %s", name)
	}

	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, resp := range op.Responses.Map() {
				for mt, m := range resp.Value.Content {
					for _, v := range examplesOf(m) {
						assert.NoError(t, visit(m.Schema, v), "%s %s %s %s", method, path, code, mt)
					}
				}
			}
		}
	}
}

// TestOpenAPIQuotesTheDecoder: the document's answer to the seed's
// example sent verbatim is the one the decoder gives.
func TestOpenAPIQuotesTheDecoder(t *testing.T) {
	doc := loadDocument(t)
	op := doc.Paths.Find("/accounting/crossconnect/qcl_crossconnect_cancel").Post
	bad := op.Responses.Status(400).Value.Content.Get("application/json")
	want := bad.Examples["trailingComma"].Value.Value.(map[string]any)["detail"]

	_, err := crossconnect.Decode(seedVerbatim(t))
	require.Error(t, err)
	assert.Equal(t, want, err.Error())
}

func visit(schema *openapi3.SchemaRef, v any) error {
	// The schema validator wants JSON's own types: numbers as float64.
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return err
	}
	return schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020())
}

func examplesOf(m *openapi3.MediaType) []any {
	var out []any
	if m.Example != nil {
		out = append(out, m.Example)
	}
	for _, ex := range m.Examples {
		out = append(out, ex.Value.Value)
	}
	return out
}

func seedVerbatim(t *testing.T) []byte {
	raw, err := os.ReadFile("testdata/cancel-requests.json")
	require.NoError(t, err)
	var file struct {
		Cases []struct {
			Name       string  `json:"name"`
			Body       *string `json:"body"`
			BodyBase64 string  `json:"body_base64"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	for _, c := range file.Cases {
		if c.Name != "seed-example-verbatim" {
			continue
		}
		if c.Body != nil {
			return []byte(*c.Body)
		}
		b, err := base64.StdEncoding.DecodeString(c.BodyBase64)
		require.NoError(t, err)
		return b
	}
	t.Fatal("no seed-example-verbatim case")
	return nil
}
