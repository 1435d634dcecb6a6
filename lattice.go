// Package lattice describes Lattice as a whole to its clients: it holds
// the OpenAPI document of the HTTP API. It imports nothing of Lattice's
// own, so any package may serve or test against the document.
package lattice

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the HTTP API, served at
// /openapi.yaml and kept true by the contract tests.
//
//go:embed openapi.yaml
var OpenAPI []byte
