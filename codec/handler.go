package codec

import (
	"net/http"

	"github.com/rs/cors"
	"go.temporal.io/sdk/converter"
)

// maxRequestBytes bounds a request to the codec endpoint. The Temporal UI
// sends the payloads of one event or one page at a time; Temporal itself
// refuses a payload over 2 MiB.
const maxRequestBytes = 8 << 20

// NewHandler serves the remote codec protocol the Temporal UI and CLI
// speak: POST <prefix>/encode and POST <prefix>/decode, each taking and
// returning {"payloads": [...]}.
//
// The UI calls it from the operator's browser, so it answers cross-origin
// requests from origins, and from no other. It decrypts whatever it is
// sent: serve it only where the UI's users are, not on the public API.
func NewHandler(c *Codec, origins []string) http.Handler {
	h := converter.NewPayloadCodecHTTPHandler(c)
	limited := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
		h.ServeHTTP(w, r)
	})

	// The UI sends the namespace in X-Namespace and, when its users sign
	// in, their access token in Authorization; both make the browser ask
	// first with a preflight request.
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "X-Namespace", "Authorization"},
		MaxAge:         600,
	}).Handler(limited)
}
