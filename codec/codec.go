// Package codec encrypts Temporal payloads with AES-256-GCM, so workflow
// inputs, results, signals, queries and failure messages are stored in
// Temporal's history as ciphertext. Each encrypted payload names the key
// that sealed it; keeping retired keys in the key list keeps old payloads
// readable after a rotation.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload.
const (
	// Encoding marks a payload this codec sealed.
	Encoding = "binary/encrypted"
	// MetadataKeyID names the key that sealed the payload.
	MetadataKeyID = "encryption-key-id"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// validKeyID keeps key ids short and printable: they are stored in every
// payload's metadata and shown by the Temporal UI.
var validKeyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ValidKeyID reports whether id can name a key.
func ValidKeyID(id string) bool {
	return validKeyID.MatchString(id)
}

// Key is one named AES-256 key.
type Key struct {
	ID     string
	Secret []byte
}

// String names the key without its secret, so a key that reaches a log or
// an error message gives nothing away.
func (k Key) String() string { return "codec key " + k.ID }

// GoString hides the secret from %#v as String does from %v.
func (k Key) GoString() string { return k.String() }

// LogValue hides the secret from log/slog.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.ID) }

// Codec is a converter.PayloadCodec that seals payloads with its first key
// and opens payloads sealed by any of its keys.
type Codec struct {
	current string
	aeads   map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns a codec over keys; the first encrypts, all decrypt.
func New(keys ...Key) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("new codec: no key")
	}
	c := &Codec{current: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		aead, err := newAEAD(k)
		if err != nil {
			return nil, fmt.Errorf("new codec: %w", err)
		}
		c.aeads[k.ID] = aead
	}
	return c, nil
}

func newAEAD(k Key) (cipher.AEAD, error) {
	if !ValidKeyID(k.ID) {
		return nil, fmt.Errorf("key id %q: want 1-64 letters, digits, '.', '_' or '-'", k.ID)
	}
	if len(k.Secret) != KeySize {
		return nil, fmt.Errorf("key %s: %d bytes, want %d", k.ID, len(k.Secret), KeySize)
	}
	block, err := aes.NewCipher(k.Secret)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.ID, err)
	}
	return cipher.NewGCM(block)
}

// KeyID is the id of the key that encrypts.
func (c *Codec) KeyID() string { return c.current }

// Encode seals every payload, whole: data and metadata alike, so not even
// the payload's type is left in clear.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.current]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encode payload: %w", err)
		}
		sealed, err := seal(aead, c.current, plain)
		if err != nil {
			return nil, fmt.Errorf("encode payload: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				MetadataKeyID:              []byte(c.current),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode opens every payload this codec's keys sealed and passes any other
// through unchanged: history written before encryption was turned on stays
// readable.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		d, err := c.open(p)
		if err != nil {
			return nil, fmt.Errorf("decode payload: %w", err)
		}
		out[i] = d
	}
	return out, nil
}

func (c *Codec) open(p *commonpb.Payload) (*commonpb.Payload, error) {
	id := string(p.GetMetadata()[MetadataKeyID])
	aead, ok := c.aeads[id]
	if !ok {
		return nil, fmt.Errorf("no key with id %q", id)
	}
	plain, err := open(aead, id, p.GetData())
	if err != nil {
		return nil, err
	}
	d := &commonpb.Payload{}
	if err := proto.Unmarshal(plain, d); err != nil {
		return nil, fmt.Errorf("unmarshal payload: %w", err)
	}
	return d, nil
}

// seal encrypts plain under a fresh random nonce, which it puts in front
// of the ciphertext. The key id is authenticated data: a payload whose
// key id was changed does not open.
func seal(aead cipher.AEAD, keyID string, plain []byte) ([]byte, error) {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("read nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plain, []byte(keyID)), nil
}

func open(aead cipher.AEAD, keyID string, sealed []byte) ([]byte, error) {
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, errors.New("open payload: too short")
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(keyID))
	if err != nil {
		return nil, fmt.Errorf("open payload: %w", err)
	}
	return plain, nil
}

// DataConverter is Temporal's default data converter with its output
// encrypted by c.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter moves each failure's message and stack trace into an
// encrypted payload. Without it they are stored in clear, and an error
// message can quote what the payloads hide.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          c.DataConverter(),
		EncodeCommonAttributes: true,
	})
}
