// Package deploy holds what runs Lattice in production beside the code:
// the compose stack's Temporal set-up scripts and dynamic configuration,
// and the OpenTelemetry collector's configuration. Its tests check the
// repository's docker-compose.yml, Dockerfile and .env.example against
// the configuration the lattice commands read.
package deploy
