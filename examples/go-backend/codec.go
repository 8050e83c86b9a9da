package main

// The payload codec of docs/codec.md: AES-256-GCM over the protobuf encoding of the whole payload, a fresh 12-byte
// nonce in front of the ciphertext, the 16-byte tag behind it, and the key id in the outer metadata.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/proto"
)

const (
	encodingKey       = "encoding"
	encryptedEncoding = "binary/encrypted"
	keyIDKey          = "encryption-key-id"
	nonceBytes        = 12
	tagBytes          = 16
)

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Codec implements converter.PayloadCodec with the keys of IDWISE_CODEC_KEYS.
type Codec struct {
	primary string
	keys    map[string]cipher.AEAD
}

// ParseCodecKeys reads "keyId:base64key,...": the first key encrypts, every key decrypts.
func ParseCodecKeys(list string) (*Codec, error) {
	c := &Codec{keys: map[string]cipher.AEAD{}}
	for i, entry := range strings.Split(list, ",") {
		id, material, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok || !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("IDWISE_CODEC_KEYS entry %d: write it as keyId:base64key", i+1)
		}
		if _, dup := c.keys[id]; dup {
			return nil, fmt.Errorf("IDWISE_CODEC_KEYS entry %d: key id %q appears twice", i+1, id)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(material))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("IDWISE_CODEC_KEYS entry %d (key id %q): not base64 of 32 bytes", i+1, id)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCMWithNonceSize(block, nonceBytes)
		if err != nil {
			return nil, err
		}
		c.keys[id] = aead
		if i == 0 {
			c.primary = id
		}
	}
	return c, nil
}

// Encode encrypts every payload under the first key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		nonce := make([]byte, nonceBytes)
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		// Seal appends ciphertext || tag to the nonce: exactly the data layout of docs/codec.md.
		data := c.keys[c.primary].Seal(nonce, nonce, plain, nil)
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{encodingKey: []byte(encryptedEncoding), keyIDKey: []byte(c.primary)},
			Data:     data,
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads and passes the others through unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[encodingKey]) != encryptedEncoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[keyIDKey])
		aead, ok := c.keys[id]
		if !ok {
			return nil, fmt.Errorf("payload was encrypted under codec key id %q, which IDWISE_CODEC_KEYS does not hold", id)
		}
		data := p.GetData()
		if len(data) < nonceBytes+tagBytes {
			return nil, fmt.Errorf("encrypted payload is truncated")
		}
		plain, err := aead.Open(nil, data[:nonceBytes], data[nonceBytes:], nil)
		if err != nil {
			return nil, fmt.Errorf("payload under codec key id %q failed authentication", id)
		}
		inner := &commonpb.Payload{}
		if err := proto.Unmarshal(plain, inner); err != nil {
			return nil, err
		}
		out[i] = inner
	}
	return out, nil
}
