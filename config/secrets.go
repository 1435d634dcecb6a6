package config

import (
	"encoding/base64"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/lattice/lattice/codec"
)

// Secret values are never quoted in a problem: a message names the
// variable and the position of the bad entry, not what it holds.

// minTokenLength keeps bearer tokens out of reach of guessing.
const minTokenLength = 16

// bearerToken is the token68 syntax of RFC 6750: what an Authorization
// header can carry after "Bearer ".
var bearerToken = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

// tokens reads the API's bearer tokens, or the explicit choice to run
// without them.
func (r *reader) tokens() (tokens []string, open bool) {
	tokens = r.list("LATTICE_API_TOKENS")
	open = r.boolean("LATTICE_API_OPEN")

	switch {
	case len(tokens) == 0 && !open:
		r.problem("LATTICE_API_TOKENS is not set: give the bearer tokens clients use, " +
			"comma-separated, or set LATTICE_API_OPEN=true to serve without authentication")
	case len(tokens) > 0 && open:
		r.problem("LATTICE_API_TOKENS and LATTICE_API_OPEN=true are both set: choose one")
	}
	for i, t := range tokens {
		switch {
		case t == "":
			// list has reported it.
		case len(t) < minTokenLength:
			r.problem("LATTICE_API_TOKENS: token %d is shorter than %d characters; "+
				"use a random one, such as the output of openssl rand -hex 32", i+1, minTokenLength)
		case !bearerToken.MatchString(t):
			r.problem("LATTICE_API_TOKENS: token %d has characters a bearer token cannot carry "+
				"(letters, digits and -._~+/ only)", i+1)
		}
	}
	return tokens, open
}

// payloadCodec reads LATTICE_PAYLOAD_KEYS, "<id>:<base64 of 32 bytes>"
// comma-separated, the first encrypting. Unset leaves encryption off.
func (r *reader) payloadCodec() *codec.Codec {
	entries := r.list("LATTICE_PAYLOAD_KEYS")
	if len(entries) == 0 {
		return nil
	}

	keys := make([]codec.Key, 0, len(entries))
	seen := map[string]bool{}
	for i, e := range entries {
		k, ok := r.payloadKey(i+1, e)
		if !ok {
			continue
		}
		if seen[k.ID] {
			r.problem("LATTICE_PAYLOAD_KEYS: key id %q appears twice", k.ID)
			continue
		}
		seen[k.ID] = true
		keys = append(keys, k)
	}
	if len(keys) != len(entries) {
		return nil
	}

	c, err := codec.New(keys...)
	if err != nil {
		r.problem("LATTICE_PAYLOAD_KEYS: %w", err)
	}
	return c
}

func (r *reader) payloadKey(n int, entry string) (codec.Key, bool) {
	const name = "LATTICE_PAYLOAD_KEYS"
	if entry == "" {
		return codec.Key{}, false
	}
	id, encoded, found := strings.Cut(entry, ":")
	if !found {
		r.problem("%s: key %d is not <id>:<base64 of %d bytes>", name, n, codec.KeySize)
		return codec.Key{}, false
	}
	if !codec.ValidKeyID(id) {
		r.problem("%s: key %d: its id must be 1-64 letters, digits, '.', '_' or '-'", name, n)
		return codec.Key{}, false
	}
	secret, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		r.problem("%s: key %q is not standard base64", name, id)
		return codec.Key{}, false
	}
	if len(secret) != codec.KeySize {
		r.problem("%s: key %q is %d bytes; AES-256 needs %d, such as the output of openssl rand -base64 %d",
			name, id, len(secret), codec.KeySize, codec.KeySize)
		return codec.Key{}, false
	}
	return codec.Key{ID: id, Secret: secret}, true
}

// privateKey reads NETSUITE_PRIVATE_KEY (the PEM itself) or
// NETSUITE_PRIVATE_KEY_FILE (a path to it, as a mounted secret).
func (r *reader) privateKey() string {
	pem := r.str("NETSUITE_PRIVATE_KEY")
	path := r.str("NETSUITE_PRIVATE_KEY_FILE")

	switch {
	case pem != "" && path != "":
		r.problem("NETSUITE_PRIVATE_KEY and NETSUITE_PRIVATE_KEY_FILE are both set: choose one")
		return ""
	case pem != "":
		return pem
	case path == "":
		r.problem("NETSUITE_PRIVATE_KEY or NETSUITE_PRIVATE_KEY_FILE must hold the NetSuite signing key")
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		r.problem("NETSUITE_PRIVATE_KEY_FILE: %w", err)
	}
	return string(b)
}

// origins reads the browser origins allowed to call the codec endpoint.
func (r *reader) origins() []string {
	origins := r.list("LATTICE_CODEC_ORIGINS")
	if len(origins) == 0 {
		r.problem("LATTICE_CODEC_ORIGINS is not set: the Temporal UI's origin, " +
			"such as http://localhost:8233, which calls the codec endpoint from the browser")
	}
	for _, o := range origins {
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		// A browser sends its origin without a path; one with a path, even
		// "/", would never match.
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" {
			r.problem("LATTICE_CODEC_ORIGINS: %q is not an origin such as https://temporal.example.com", o)
		}
	}
	return origins
}
