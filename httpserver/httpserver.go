// Package httpserver holds what every Lattice listener shares: an
// http.Server with a timeout on every phase. It imports nothing of
// Lattice's, so the production binary can use it without the dev stack.
package httpserver

import (
	"net/http"
	"time"
)

// New returns an http.Server for h with timeouts on every phase, so a
// slow client cannot hold a connection forever.
func New(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}
