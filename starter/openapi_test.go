package starter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lattice/lattice"
)

func TestOpenAPIServed(t *testing.T) {
	srv := httptest.NewServer(New(nil, Config{}))
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/openapi.yaml")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/yaml", resp.Header.Get("Content-Type"))
	assert.Equal(t, lattice.OpenAPI, body)

	resp, err = http.Post(srv.URL+"/openapi.yaml", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET", resp.Header.Get("Allow"))
}

// TestEveryRouteIsDocumented keeps the OpenAPI document and the router in
// step: every path and method served is described, under each server the
// document gives it, and nothing is described that is not served.
func TestEveryRouteIsDocumented(t *testing.T) {
	api := New(nil, Config{Metrics: http.NotFoundHandler()})
	served := servedRoutes(t, api.Router())
	documented := documentedRoutes(t)

	slices.Sort(served)
	slices.Sort(documented)
	assert.Equal(t, documented, served)
}

func servedRoutes(t *testing.T, r *mux.Router) []string {
	var out []string
	err := r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err := route.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, ok := route.GetHandler().(allow)
		require.True(t, ok, "route %s is not served through allow", path)
		for m := range methods {
			out = append(out, m+" "+path)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func documentedRoutes(t *testing.T) []string {
	doc, err := openapi3.NewLoader().LoadFromData(lattice.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))

	var out []string
	for path, item := range doc.Paths.Map() {
		servers := doc.Servers
		if len(item.Servers) > 0 {
			servers = item.Servers
		}
		for method := range item.Operations() {
			for _, s := range servers {
				out = append(out, method+" "+strings.TrimSuffix(s.URL, "/")+path)
			}
		}
	}
	return out
}
