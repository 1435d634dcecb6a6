package starter

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPanicIsAnsweredWithoutItsCause: a bug in a handler gets the client
// a 500 in the usual shape, not a dropped connection nor the panic's text.
func TestPanicIsAnsweredWithoutItsCause(t *testing.T) {
	api := New(nil, Config{})
	api.router.Handle("/boom", allow{http.MethodGet: func(http.ResponseWriter, *http.Request) {
		panic("secret: password=hunter2")
	}})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/boom")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.JSONEq(t, `{"detail":"internal error"}`, string(body))
}
