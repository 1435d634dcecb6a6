package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
)

// Credentials are what the emulated vendors accept. The sandbox compares
// what a client sends against them; it never logs them.
type Credentials struct {
	EquinixClientID     string
	EquinixClientSecret string

	ZohoClientID       string
	ZohoClientSecret   string
	ZohoRefreshToken   string
	ZohoOrganizationID string

	NetSuiteAccountID     string
	NetSuiteClientID      string
	NetSuiteCertificateID string
	// NetSuitePrivateKeyPEM is the PKCS#8 PEM of an ECDSA P-256 key. The
	// client signs its ES256 JWT assertions with it; the sandbox verifies
	// them with its public half.
	NetSuitePrivateKeyPEM string
}

// sandboxKeySeed derives the default NetSuite key. The key is a published,
// sandbox-only key: it protects nothing and must never be used against a
// real NetSuite account.
const sandboxKeySeed = "lattice sandbox netsuite key: public, not a secret"

// DefaultCredentials returns fixed, well-known sandbox credentials. They are
// the same in every process, so the dev stack can print them and tests can
// hard-code them.
func DefaultCredentials() Credentials {
	return Credentials{
		EquinixClientID:     "sandbox-equinix-client",
		EquinixClientSecret: "sandbox-equinix-secret",

		ZohoClientID:       "1000.SANDBOXZOHOCLIENT",
		ZohoClientSecret:   "sandbox-zoho-secret",
		ZohoRefreshToken:   "1000.sandbox-zoho-refresh-token",
		ZohoOrganizationID: "10234695",

		NetSuiteAccountID:     "1234567_SB1",
		NetSuiteClientID:      "sandbox-netsuite-client",
		NetSuiteCertificateID: "sandbox-netsuite-certificate",
		NetSuitePrivateKeyPEM: sandboxKeyPEM(),
	}
}

// sandboxKeyPEM derives the sandbox key from a fixed seed, so every process
// agrees on it without a key file in the repository.
var sandboxKeyPEM = sync.OnceValue(func() string {
	seed := sha256.Sum256([]byte(sandboxKeySeed))
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed[:])
	if err != nil {
		// A SHA-256 digest below the P-256 order and not zero: this
		// cannot fail for the fixed seed.
		panic(fmt.Sprintf("derive sandbox key: %v", err))
	}

	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(fmt.Sprintf("marshal sandbox key: %v", err))
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
})

// publicKeyFromPEM returns the public half of a PKCS#8 ECDSA P-256 key.
func publicKeyFromPEM(s string) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("decode key: no PEM block")
	}

	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse key: %w", err)
	}

	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("parse key: not an ECDSA P-256 key")
	}
	return &key.PublicKey, nil
}
