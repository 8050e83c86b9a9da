package main

// Journey events from the worker (IDWISE_EVENTS_URL): checked with the shared secret before a byte of the body is
// trusted. Header `idwise-temporal-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const signatureHeader = "idwise-temporal-signature"

// JourneyEvent is contract/journey-event.schema.json.
type JourneyEvent struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	CreatedAt   string          `json:"createdAt"`
	ReferenceNo string          `json:"referenceNo"`
	WorkflowID  string          `json:"workflowId"`
	JourneyID   *string         `json:"journeyId"`
	Data        json.RawMessage `json:"data"`
}

// VerifyJourneyEvent returns nil when one v1 signature matches and the timestamp is within 300 s of now.
func VerifyJourneyEvent(secret string, header string, body []byte, now time.Time) error {
	var t int64 = -1
	var signatures [][]byte
	for _, part := range strings.Split(header, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key {
		case "t":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil {
				t = n
			}
		case "v1":
			if sig, err := hex.DecodeString(value); err == nil && len(sig) == sha256.Size {
				signatures = append(signatures, sig)
			}
		}
	}
	if t < 0 || len(signatures) == 0 {
		return errors.New("malformed signature header")
	}
	if d := now.Unix() - t; d > 300 || d < -300 {
		return errors.New("stale timestamp")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t, 10) + "."))
	mac.Write(body)
	expected := mac.Sum(nil)
	for _, sig := range signatures {
		if hmac.Equal(expected, sig) {
			return nil
		}
	}
	return errors.New("signature does not match")
}

// eventReceiver answers the worker's POSTs: 204 for a verified event (handed to events), 401 otherwise.
func eventReceiver(secret string, events chan<- JourneyEvent) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := VerifyJourneyEvent(secret, r.Header.Get(signatureHeader), body, time.Now()); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var event JourneyEvent
		if err := json.Unmarshal(body, &event); err != nil {
			http.Error(w, "not a journey event", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		events <- event
	})
}
