package starter

import (
	"net/http"

	"github.com/lattice/lattice"
)

// routeOpenAPI is where the API's OpenAPI document is served.
const routeOpenAPI = "/openapi.yaml"

// handleOpenAPI serves the OpenAPI document, as YAML (RFC 9512).
func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(lattice.OpenAPI)
}
