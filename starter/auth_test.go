package starter_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/lattice/lattice/starter"
)

const (
	tokenA = "token-a-0123456789abcdef0123456789"
	tokenB = "token-b-0123456789abcdef0123456789"
)

// route is one path the API serves, with a method it answers.
type route struct {
	method, path string
}

// apiRoutes lists every route of the real API, as its router knows them,
// with ids filled in, and the method each serves (from the Allow header
// of its 405).
func apiRoutes(t *testing.T) (*starter.Server, []route) {
	t.Helper()
	// Never dialled: no request here reaches Temporal.
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	api := starter.New(c, starter.Config{})

	var routes []route
	err = api.Router().Walk(func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := r.GetPathTemplate()
		if err != nil {
			return nil
		}
		path := strings.ReplaceAll(tmpl, "{id}", "0123456789abcdef0123456789abcdef")
		routes = append(routes, route{method: methodOf(api, path), path: path})
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, routes)
	return api, routes
}

func methodOf(api http.Handler, path string) string {
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(http.MethodOptions, path, nil))
	if allow := rec.Header().Get("Allow"); allow != "" {
		return strings.Split(allow, ",")[0]
	}
	return http.MethodGet
}

// reached records whether a request got past the middleware.
type reached struct{ n int }

func (h *reached) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h.n++
	w.WriteHeader(http.StatusNoContent)
}

func TestAuthOnEveryRoute(t *testing.T) {
	_, routes := apiRoutes(t)
	cases := []struct {
		name   string
		header string
		pass   bool   // reaches the API
		error  string // the challenge's error, if any
	}{
		{name: "no token"},
		{name: "wrong token", header: "Bearer not-a-token-0123456789", error: "invalid_token"},
		{name: "right token with a tail", header: "Bearer " + tokenA + "x", error: "invalid_token"},
		{name: "right token's prefix", header: "Bearer " + tokenA[:20], error: "invalid_token"},
		{name: "another scheme", header: "Basic " + tokenA},
		{name: "scheme without token", header: "Bearer "},
		{name: "right token", header: "Bearer " + tokenA, pass: true},
		{name: "second token", header: "Bearer " + tokenB, pass: true},
		{name: "scheme in lower case", header: "bearer " + tokenA, pass: true},
	}

	for _, rt := range routes {
		open := rt.path == "/healthz" || rt.path == "/readyz"
		for _, tc := range cases {
			t.Run(rt.method+" "+rt.path+"/"+tc.name, func(t *testing.T) {
				next := &reached{}
				h := starter.RequireTokens(next, []string{tokenA, tokenB}, nil)
				req := httptest.NewRequest(rt.method, rt.path, nil)
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)

				if tc.pass || open {
					require.Equal(t, 1, next.n)
					require.Equal(t, http.StatusNoContent, rec.Code)
					require.Empty(t, rec.Header().Get("WWW-Authenticate"))
					return
				}
				requireUnauthorized(t, rec, tc.error)
				require.Zero(t, next.n, "a refused request reached the API")
			})
		}
	}
}

func requireUnauthorized(t *testing.T, rec *httptest.ResponseRecorder, wantError string) {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	challenge := rec.Header().Get("WWW-Authenticate")
	require.True(t, strings.HasPrefix(challenge, "Bearer "), "challenge %q", challenge)
	if wantError != "" {
		require.Contains(t, challenge, `error="`+wantError+`"`)
	} else {
		require.NotContains(t, challenge, "error=")
	}

	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Len(t, body, 1)
	detail, ok := body["detail"].(string)
	require.True(t, ok, "body %s", rec.Body)
	require.Contains(t, detail, "bearer token")
	require.NotContains(t, rec.Body.String(), tokenA[:20])
}

// TestAuthInFrontOfTheAPI runs the real API behind the middleware: the
// health check answers without a token, an unknown route is refused
// before it can be told apart from a known one.
func TestAuthInFrontOfTheAPI(t *testing.T) {
	api, _ := apiRoutes(t)
	h := starter.RequireTokens(api, []string{tokenA}, nil)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	require.Equal(t, http.StatusOK, rec.Code)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/no/such/route", nil))
	requireUnauthorized(t, rec, "")

	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/no/such/route", nil)
	req.Header.Set("Authorization", "Bearer "+tokenA)
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotFound, rec.Code)
}

func TestNoTokensLeavesTheHandlerAsIs(t *testing.T) {
	next := &reached{}
	h := starter.RequireTokens(next, nil, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/accounting/crossconnect/qcl_crossconnect_cancel", nil))
	require.Equal(t, 1, next.n)
}
