package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// webhookPath is where the receiver takes GHL's deliveries.
const webhookPath = "/webhooks/ghl"

// webhookMux routes GHL's deliveries to the verifier's Handler, which checks the signature
// over the raw body, the timestamp window and the webhookId before calling handle, answers
// 200 to a duplicate without calling handle, and 429 when handle fails (the one status GHL
// redelivers on).
func webhookMux(v *ghl.WebhookVerifier, handle func(context.Context, ghl.Event) error) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST "+webhookPath, v.Handler(handle))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return mux
}

// Receiver is a running webhook receiver.
type Receiver struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
	// URL is the receiver's webhook endpoint.
	URL string
}

// StartReceiver listens on addr ("127.0.0.1:0" for a free loopback port) and serves h.
func StartReceiver(addr string, h http.Handler, log *slog.Logger) (*Receiver, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("webhook receiver: %w", err)
	}
	r := &Receiver{
		srv: &http.Server{
			Handler: h,
			// Deliveries are small; bounded timeouts keep slow clients from holding connections.
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:   ln,
		done: make(chan error, 1),
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	r.URL = "http://" + net.JoinHostPort(host, port) + webhookPath
	go func() { r.done <- r.srv.Serve(ln) }()
	return r, nil
}

// Wait blocks until the receiver stops or ctx is done, then shuts it down.
func (r *Receiver) Wait(ctx context.Context) error {
	select {
	case err := <-r.done:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		return r.Close()
	}
}

// Close stops the receiver, letting deliveries in progress finish for a few seconds.
func (r *Receiver) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}
