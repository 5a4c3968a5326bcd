package ghl

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Fuzz targets. In CI they run briefly:
//
//	go test -run '^$' -fuzz '^FuzzParseEvent$' -fuzztime 20s .
//	go test -run '^$' -fuzz '^FuzzVerify$' -fuzztime 20s .
//
// Their seed corpus is every example of testdata/webhook-events.json, so a plain `go test`
// runs them over the spec's payloads as regular tests.

// fuzzSeedBodies returns the spec's examples, each also with a timestamp and webhookId that a
// verifier at webhookTestNow accepts.
func fuzzSeedBodies(f *testing.F) [][]byte {
	var out [][]byte
	for _, ex := range specExamples(f) {
		var compact bytes.Buffer
		if err := json.Compact(&compact, ex.raw); err != nil {
			f.Fatal(err)
		}
		b := compact.Bytes()
		out = append(out, b)
		stamped := append(bytes.Clone(b[:len(b)-1]), `,"timestamp":"`+webhookTestNow.Format(time.RFC3339)+`","webhookId":"seed-`+ex.event+`"}`...)
		out = append(out, stamped)
	}
	out = append(out, []byte(`{}`), []byte(`{"type":"NoteCreate","dateAdded":1738074900000,"body":null}`),
		[]byte(`{"type":"ContactCreate","email":5,"tags":[1],"b\u006fdy":"x","x":{"y":[true,false,null]}}`))
	return out
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return json.Valid(b) && len(b) > 0 && b[0] == '{'
}

func FuzzParseEvent(f *testing.F) {
	for _, b := range fuzzSeedBodies(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseEvent(body)
		if (err == nil) != isJSONObject(body) {
			t.Fatalf("ParseEvent error %v, but encoding/json says object=%v", err, isJSONObject(body))
		}
		if err != nil {
			if !errors.Is(err, ErrMalformedWebhook) {
				t.Fatalf("error is not a payload error: %v", err)
			}
			return
		}
		if !bytes.Equal(ev.Raw(), body) {
			t.Fatal("Raw differs from the input")
		}
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		if !json.Valid(out) {
			t.Fatalf("re-encoding is not JSON: %s", out)
		}
		// Decoding the re-encoded event and encoding it again changes nothing.
		ev2, err := ParseEvent(out)
		if err != nil {
			t.Fatalf("parsing the re-encoding: %v", err)
		}
		if ev2.EventType() != ev.EventType() || ev2.EventWebhookID() != ev.EventWebhookID() || ev2.EventLocationID() != ev.EventLocationID() {
			t.Fatalf("envelope changed: %q/%q/%q -> %q/%q/%q", ev.EventType(), ev.EventWebhookID(), ev.EventLocationID(),
				ev2.EventType(), ev2.EventWebhookID(), ev2.EventLocationID())
		}
		out2, err := json.Marshal(ev2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("not a fixed point:\n%s\n%s", out, out2)
		}
	})
}

func FuzzVerify(f *testing.F) {
	for _, b := range fuzzSeedBodies(f) {
		f.Add(b, uint8(0), "", "")
		f.Add(b, uint8(1), "", "")
		f.Add(b, uint8(2), "N/A", "")
	}
	f.Add([]byte(`{"type":"NoteCreate"}`), uint8(3), "AAAA", "N/A")

	signer := newTestSigner(f)
	clock := &testClock{now: webhookTestNow}
	v := newTestVerifier(f, signer, clock, WithMaxBodyBytes(64<<10))
	ctx := context.Background()

	// mode 0: valid Ed25519 signature; 1: valid Ed25519 over the body with its last byte
	// changed; 2: the fuzzed x-ghl-signature with a valid RSA signature; 3: only the fuzzed
	// header values.
	f.Fuzz(func(t *testing.T, body []byte, mode uint8, ghlSig, whSig string) {
		h := http.Header{}
		signed := false
		switch mode % 4 {
		case 0:
			h.Set(HeaderGHLSignature, base64.StdEncoding.EncodeToString(ed25519.Sign(signer.edPriv, body)))
			signed = true
		case 1:
			if len(body) == 0 {
				return
			}
			other := bytes.Clone(body)
			other[len(other)-1] ^= 0x01
			h.Set(HeaderGHLSignature, base64.StdEncoding.EncodeToString(ed25519.Sign(signer.edPriv, other)))
		case 2:
			h.Set(HeaderGHLSignature, ghlSig)
			if len(body) < 4096 { // RSA signing is slow; keep the fuzzer fast
				h.Set(headerWHSignature, signer.rsaSig(body))
				g := strings.TrimSpace(ghlSig)
				signed = g == "" || strings.EqualFold(g, "N/A")
			}
		default:
			h.Set(HeaderGHLSignature, ghlSig)
			h.Set(headerWHSignature, whSig)
		}
		ev, err := v.Verify(ctx, h, body)
		if err == nil {
			if !signed {
				t.Fatalf("accepted a delivery that was not signed over its body (mode %d)", mode%4)
			}
			if !bytes.Equal(ev.Raw(), body) {
				t.Fatal("Raw differs from the verified body")
			}
			if ev.EventWebhookID() == "" {
				t.Fatal("accepted an event without webhookId")
			}
			if d := ev.EventTime().Sub(clock.Now()); d > 5*time.Minute || d < -5*time.Minute {
				t.Fatalf("accepted a stale event: %v", d)
			}
			return
		}
		if ev != nil {
			t.Fatal("an event came with an error")
		}
		if signed && len(body) <= 64<<10 && (errors.Is(err, ErrInvalidSignature) || errors.Is(err, ErrMissingSignature)) {
			t.Fatalf("a valid signature was refused: %v", err)
		}
		switch webhookStatus(err) {
		case 400, 401, 413:
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
