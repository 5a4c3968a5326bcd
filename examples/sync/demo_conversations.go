package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

// The demo's side of calls and texts: LinkedPhone's recordings, its Delivery URL as the
// location's SMS provider, and workflow 7.

// demoStatusWindow is how long the demo's fake refuses a text's status update after the
// send: GHL's window is some 5 to 10 s (ghltest.DefaultProviderStatusDelay); the demo
// shortens it, as it shortens GHL's webhook retries.
const demoStatusWindow = 500 * time.Millisecond

// demoLine is the LinkedPhone number the demo's calls come in on and go out from.
const demoLine = "+12125550100"

// demoReceiver is the demo's HTTP endpoint: GHL's webhooks and, for LinkedPhone as the
// location's SMS provider, its Delivery URL. start registers both with the fake.
type demoReceiver struct {
	*Receiver
	delivery *Delivery
	// deliveryURL is the Delivery URL; it holds the secret, so it is never printed.
	deliveryURL string
}

// startDemoReceiver serves the syncer's webhooks and Delivery URL on addr and points the
// fake's webhook URL and SMS provider's Delivery URL at them.
func startDemoReceiver(addr string, srv *ghltest.Server, v *ghl.WebhookVerifier, syncer *Syncer, secret string, log *slog.Logger) (*demoReceiver, error) {
	d, err := syncer.NewDelivery(secret, demoCarrier)
	if err != nil {
		return nil, err
	}
	mux := webhookMux(v, syncer.HandleEvent)
	d.Mount(mux)
	rcv, err := StartReceiver(addr, mux, log)
	if err != nil {
		return nil, err
	}
	r := &demoReceiver{Receiver: rcv, delivery: d, deliveryURL: strings.TrimSuffix(rcv.URL, webhookPath) + strings.Replace(deliveryPath, "{secret}", secret, 1)}
	srv.RegisterWebhook(rcv.URL)
	if err := srv.SetProviderDeliveryURL(ghltest.DefaultSMSProviderID, r.deliveryURL); err != nil {
		return nil, errors.Join(err, rcv.Close())
	}
	return r, nil
}

// demoCarrier stands in for LinkedPhone's SMS carrier: it takes every text.
func demoCarrier(*Record, *ghl.ProviderOutboundMessageEvent) error { return nil }

// newDeliverySecret returns a random secret for the Delivery URL's path.
func newDeliverySecret() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeRecording stands in for LinkedPhone's call recorder: a WAV file of the call's length
// (8 kHz, 16-bit mono) in dir.
func writeRecording(dir, callID string, seconds int) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, callID+".wav")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, ghltest.SyntheticWAV(44+16000*int64(seconds)).Open())
	return path, errors.Join(err, f.Close())
}

// recordingsDir is where the demo keeps LinkedPhone's recordings: beside its data file.
func recordingsDir(dataPath string) string {
	return strings.TrimSuffix(dataPath, filepath.Ext(dataPath)) + "-recordings"
}

// textsResult is what workflow 7 did.
type textsResult struct {
	// Inbound is the record that texted LinkedPhone, and Push what pushing it did.
	Inbound string
	Push    *PushResult
	// FromGHL is the message a GHL user sent, Delivered the record LinkedPhone delivered it
	// to, and Refused how often GHL refused its status update inside its window.
	FromGHL, Delivered string
	Refused            int
	// WrongSecret is the answer to a delivery posted to a Delivery URL with another secret.
	WrongSecret int
}

// demoTexts is workflow 7: a text received by LinkedPhone goes to GHL; a text a GHL user
// writes comes to LinkedPhone, which delivers it and reports its status.
func demoTexts(ctx context.Context, srv *ghltest.Server, syncer *Syncer, rcv *demoReceiver, st *stats, known, newCaller *Record, out *output) (*textsResult, error) {
	res := &textsResult{}
	refused := st.snapshot().Status403
	var err error
	if res.FromGHL, err = srv.SendTextFromGHL(srv.LocationID(), newCaller.ContactID, "Hi Maria, sorry we missed your call. When can we call you back?"); err != nil {
		return nil, err
	}
	out.printf("a GHL user texted %s from GHL: message %s, through the location's SMS provider (LinkedPhone)\n", newCaller.Name, res.FromGHL)
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}
	// GHL delivers at least once: the copy is acknowledged and not sent again.
	if err := srv.RedeliverProviderMessage(res.FromGHL); err != nil {
		return nil, err
	}
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}

	// While GHL hands the text over, a text comes in.
	if known != nil {
		if res.Inbound, err = syncer.RecordText(known.Phone, known.Name, "Running 10 minutes late, sorry!", time.Now().UTC().Truncate(time.Second)); err != nil {
			return nil, err
		}
		if res.Push, err = syncer.PushContact(ctx, res.Inbound); err != nil {
			return nil, err
		}
		out.printf("%s %s texted LinkedPhone -> added to GHL contact %s's conversation as an inbound SMS (%d text)\n",
			res.Inbound, known.Name, res.Push.ContactID, res.Push.Texts)
	}
	if err := rcv.delivery.Wait(ctx); err != nil {
		return nil, err
	}
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}
	res.Refused = st.snapshot().Status403 - refused
	if rec, ok := syncer.store.ByContactID(newCaller.ContactID); ok {
		res.Delivered = rec.ID
	}
	out.printf("GHL refused the status update %d time(s) (403 until it has handed the text over: 5 to 10 s, %s here), then took it\n",
		res.Refused, demoStatusWindow)

	// The Delivery URL is unsigned: only its secret path tells GHL's deliveries apart.
	if res.WrongSecret, err = postDelivery(ctx, strings.Replace(rcv.deliveryURL, deliverySecretOf(rcv.deliveryURL), newDeliverySecret(), 1),
		`{"contactId":"`+newCaller.ContactID+`","locationId":"`+srv.LocationID()+`","messageId":"forged-1","type":"SMS","phone":"+15550000000","message":"forged"}`); err != nil {
		return nil, err
	}
	out.printf("a delivery to the Delivery URL with another secret: answered %d %s, not sent\n", res.WrongSecret, http.StatusText(res.WrongSecret))
	return res, nil
}

// deliverySecretOf returns the secret segment of a Delivery URL.
func deliverySecretOf(url string) string { return url[strings.LastIndex(url, "/")+1:] }

// postDelivery posts body to url, as GHL posts a ProviderOutboundMessage, and returns the
// answer's status.
func postDelivery(ctx context.Context, url, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("posting a delivery: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
