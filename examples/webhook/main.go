// Command webhook is a GHL webhook receiver built on ghl.WebhookVerifier.Handler.
//
// By default it runs a self-contained demo: it starts the in-process fake (ghltest), registers
// its own loopback URL there, and creates a contact through the SDK. The receiver fails the
// first delivery of the ContactCreate event once, as a busy database would: the Handler
// answers 429, the one status GHL redelivers on, and the redelivery is handled. Then the fake
// redelivers the event once more, and the duplicate is acknowledged without being handled
// twice.
//
//	go run ./examples/webhook
//
// With -listen it serves real GHL deliveries, verified with GHL's published keys, until
// interrupted:
//
//	go run ./examples/webhook -listen :8080   # then set https://<host>/webhooks/ghl in the app
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

func main() {
	listen := flag.String("listen", "", "serve real GHL webhooks on this address instead of running the demo")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	var err error
	if *listen != "" {
		err = serve(*listen, logger)
	} else {
		err = demo(logger)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(1)
	}
}

// handle is the application's part: what LinkedPhone does with each event. Returning an
// error makes the Handler answer 429, so GHL delivers the event again (up to six times, about
// ten minutes apart); after that, catch up from the API.
func handle(_ context.Context, ev ghl.Event) error {
	switch e := ev.(type) {
	case *ghl.ContactCreateEvent:
		fmt.Printf("contact created: %s %q <%s> in %s (webhook %s, sent %s)\n",
			e.ID, e.Name, e.Email, e.LocationID, e.WebhookID, e.EventTime().Format(time.RFC3339))
	case *ghl.ContactUpdateEvent:
		fmt.Printf("contact updated: %s\n", e.ID)
	case *ghl.ContactDeleteEvent:
		fmt.Printf("contact deleted: %s\n", e.ID)
	case *ghl.AppUninstallEvent:
		fmt.Printf("app uninstalled from %s%s\n", e.LocationID, e.CompanyID)
	case *ghl.UnknownEvent:
		fmt.Printf("event %s not handled here (%d bytes)\n", e.EventType(), len(e.Raw()))
	default:
		fmt.Printf("event %s\n", ev.EventType())
	}
	return nil
}

func serve(addr string, logger *slog.Logger) error {
	verifier, err := ghl.NewWebhookVerifier(ghl.WithLogger(logger))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/webhooks/ghl", verifier.Handler(handle))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	logger.Info("listening for GHL webhooks", "addr", addr, "path", "/webhooks/ghl")
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func demo(logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	fake := ghltest.NewServer()
	defer fake.Close()

	// Trust only the fake's signing keys: GHL's keys would never verify its deliveries.
	verifier, err := ghl.NewWebhookVerifier(
		ghl.WithoutDefaultKeys(),
		ghl.WithEd25519PublicKeys(fake.WebhookPublicKey()),
		ghl.WithRSAPublicKeys(fake.WebhookRSAPublicKey()),
		ghl.WithLogger(logger),
	)
	if err != nil {
		return err
	}

	var mu sync.Mutex
	handled := map[string]int{} // webhookId -> times handled
	outage := true              // the first delivery meets a database that is down
	received := make(chan ghl.Event, 8)
	mux := http.NewServeMux()
	mux.Handle("/webhooks/ghl", verifier.Handler(func(ctx context.Context, ev ghl.Event) error {
		mu.Lock()
		down := outage
		outage = false
		mu.Unlock()
		if down {
			fmt.Printf("handling %s failed: database unavailable (answered 429, GHL redelivers)\n", ev.EventType())
			return errors.New("database unavailable")
		}
		if err := handle(ctx, ev); err != nil {
			return err
		}
		mu.Lock()
		handled[ev.EventWebhookID()]++
		mu.Unlock()
		received <- ev
		return nil
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	receiver := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = receiver.Serve(ln) }()
	defer receiver.Close()
	url := "http://" + ln.Addr().String() + "/webhooks/ghl"
	fake.RegisterWebhook(url)
	fmt.Println("receiver listening on", url)

	client, err := ghl.NewClient(ghl.WithBaseURL(fake.URL), ghl.WithAccessToken(fake.Token()),
		ghl.WithLocationID(fake.LocationID()))
	if err != nil {
		return err
	}
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+14155550100",
	})
	if err != nil {
		return fmt.Errorf("creating a contact: %w", err)
	}
	fmt.Println("created contact", contact.ID, "through the API")

	var ev ghl.Event
	select {
	case ev = <-received:
	case <-ctx.Done():
		return errors.New("no webhook arrived")
	}
	created, ok := ev.(*ghl.ContactCreateEvent)
	if !ok || created.ID != contact.ID {
		return fmt.Errorf("expected ContactCreate for %s, got %T", contact.ID, ev)
	}
	if err := fake.FlushWebhooks(ctx); err != nil {
		return err
	}
	first := fake.Deliveries()[0]
	fmt.Printf("delivery of %s: %d attempts, last answered %d\n", first.WebhookID, first.Attempts, first.StatusCode)
	if first.Attempts != 2 || first.StatusCode != http.StatusOK {
		return errors.New("the failed delivery was not redelivered and handled")
	}

	// GHL delivers at least once: the fake sends the same signed bytes again.
	if err := fake.Redeliver(created.WebhookID); err != nil {
		return err
	}
	if err := fake.FlushWebhooks(ctx); err != nil {
		return err
	}
	deliveries := fake.Deliveries()
	last := deliveries[len(deliveries)-1]
	mu.Lock()
	times := handled[created.WebhookID]
	mu.Unlock()
	fmt.Printf("redelivery of %s answered %d; handled %d time(s)\n", last.WebhookID, last.StatusCode, times)
	if !last.Redelivery || last.StatusCode != http.StatusOK || times != 1 {
		return errors.New("the redelivery was not deduplicated")
	}
	return nil
}
