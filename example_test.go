package ghl_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

// newExampleClient starts a fake GHL and returns a client for its location. Real code passes
// its Private Integration Token or an OAuth token source instead (see ExampleNewClient).
func newExampleClient() (*ghl.Client, *ghltest.Server) {
	srv := ghltest.NewServer()
	client, err := ghl.NewClient(
		ghl.WithBaseURL(srv.URL),
		ghl.WithAccessToken(srv.Token()),
		ghl.WithLocationID(srv.LocationID()),
	)
	if err != nil {
		log.Fatal(err)
	}
	return client, srv
}

func ExampleNewClient() {
	client, err := ghl.NewClient(
		ghl.WithAccessToken("pit-0123456789"), // a Private Integration Token
		ghl.WithLocationID("ve9EPM428h8vShlRW1KT"),
		ghl.WithUserAgent("linkedphone/2.3"),
		ghl.WithMaxRetries(3),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.LocationID())
	// Output: ve9EPM428h8vShlRW1KT
}

func ExampleContactsService_Upsert() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()

	res, _, err := client.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{
		FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", Phone: "+14155550100",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", res.New, res.Contact.Name)

	// The same email matches the same contact: an update, not a duplicate.
	res, _, err = client.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{Email: "ada@example.com", City: "London"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", res.New, res.Contact.City)
	// Output:
	// created: true Ada Lovelace
	// created: false London
}

func ExampleContactsService_Get() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()
	// The location has the field; a value under a key it lacks is refused.
	if _, err := srv.AddCustomField(srv.LocationID(), ghltest.CustomField{Name: "Call score", DataType: "NUMERICAL"}); err != nil {
		log.Fatal(err)
	}

	created, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{
		FirstName:    "Grace",
		Email:        "grace@example.com",
		CustomFields: []ghl.CustomFieldInput{{Key: "contact.call_score", Value: 7}},
	})
	if err != nil {
		log.Fatal(err)
	}
	c, resp, err := client.Contacts.Get(ctx, created.ID)
	if err != nil {
		log.Fatal(err)
	}
	score, _ := c.CustomFields[0].Float()
	fmt.Println(c.Email, score, resp.StatusCode)
	// Output: grace@example.com 7 200
}

func ExampleContactsService_SearchAll() {
	client, srv := newExampleClient()
	defer srv.Close()
	srv.Seed(srv.LocationID(), 1200, 1)
	ctx := context.Background()

	// SearchAll fetches 500 contacts per request and holds one page at a time.
	n := 0
	for c, err := range client.Contacts.SearchAll(ctx, &ghl.SearchRequest{
		Sort: []ghl.SearchSort{{Field: "dateAdded", Direction: ghl.SortAsc}},
	}) {
		if err != nil {
			log.Fatal(err)
		}
		_ = c.ID
		n++
	}
	fmt.Println("contacts:", n)
	// Output: contacts: 1200
}

// ChangedSince is the way back after missed webhooks: GHL stops redelivering after about 70
// minutes, so a receiver that was down longer catches up from its checkpoint when it starts,
// then serves webhooks again.
func ExampleContactsService_ChangedSince() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()
	ids := srv.Seed(srv.LocationID(), 3, 1)

	// The receiver had applied every change up to its checkpoint, then it stopped.
	checkpoint := time.Now()

	// Meanwhile, in GHL, a contact moved and another was created: their webhooks are lost.
	if _, _, err := client.Contacts.Update(ctx, ids[0], &ghl.ContactUpdateRequest{City: ghl.Ptr("Lisbon")}); err != nil {
		log.Fatal(err)
	}
	if _, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Grace", City: "Porto"}); err != nil {
		log.Fatal(err)
	}

	// On restart: apply each change (idempotently: a contact near the checkpoint may come
	// twice), and keep the newest dateUpdated applied; the next catch-up starts a margin
	// before it, since search lags writes by a few seconds.
	var changed []string
	for c, err := range client.Contacts.ChangedSince(ctx, checkpoint) {
		if err != nil {
			log.Fatal(err)
		}
		changed = append(changed, c.FirstName+" in "+c.City)
		checkpoint = c.DateUpdated.Time
	}
	slices.Sort(changed) // two changes in the same millisecond may come in either order
	fmt.Println(strings.Join(changed, "; "))
	// Output: Grace in Porto; Hugo in Lisbon
}

func ExampleTasksService() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Alan", Phone: "+14155550199"})
	if err != nil {
		log.Fatal(err)
	}

	task, _, err := client.Tasks.Create(ctx, contact.ID, &ghl.TaskCreateRequest{
		Title:   "Call back",
		DueDate: ghl.Time{Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
	})
	if err != nil {
		log.Fatal(err)
	}
	task, _, err = client.Tasks.SetCompleted(ctx, contact.ID, task.ID, true)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Title, "completed:", task.Completed)
	// Output: Call back completed: true
}

func ExampleNotesService_Create() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Alan", Phone: "+14155550199"})
	if err != nil {
		log.Fatal(err)
	}

	note, _, err := client.Notes.Create(ctx, contact.ID, &ghl.NoteCreateRequest{Body: "Missed call, left a voicemail."})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(note.Body)
	// Output: Missed call, left a voicemail.
}

func ExampleTagsService_Add() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Alan", Tags: []string{"lead"}})
	if err != nil {
		log.Fatal(err)
	}

	// Add and Remove change the list; Tags on Update or Upsert would replace it.
	tags, _, err := client.Tags.Add(ctx, contact.ID, []string{"called", "missed-call"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tags)
	// Output: [lead called missed-call]
}

func ExampleAppointmentsService_List() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Alan", Phone: "+14155550199"})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	if _, err := srv.BookAppointment(srv.LocationID(), contact.ID, ghltest.Appointment{
		Title: "Demo call", StartTime: start, EndTime: start.Add(30 * time.Minute),
	}); err != nil {
		log.Fatal(err)
	}

	appts, _, err := client.Appointments.List(ctx, contact.ID)
	if err != nil {
		log.Fatal(err)
	}
	// Contact appointments come as "2006-01-02 15:04:05"; Time parses it and keeps the text.
	fmt.Println(appts[0].Title, appts[0].StartTime.Raw, appts[0].StartTime.Equal(start))
	// Output: Demo call 2026-12-02 15:00:00 true
}

func ExampleAPIError() {
	client, srv := newExampleClient()
	defer srv.Close()

	_, _, err := client.Contacts.Get(context.Background(), "NoSuchContact0000001")
	var apiErr *ghl.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}
	fmt.Println(errors.Is(err, ghl.ErrNotFound))

	// Bad input is refused before anything is sent.
	_, _, err = client.Contacts.Get(context.Background(), "")
	var paramErr *ghl.InvalidParamError
	fmt.Println(errors.As(err, &paramErr), paramErr.Param)
	// Output:
	// 404 Contact not found
	// true
	// true contactID
}

func ExampleWebhookVerifier_Handler() {
	client, srv := newExampleClient()
	defer srv.Close()

	// In production NewWebhookVerifier() uses GHL's published keys; the fake signs with its own.
	verifier, err := ghl.NewWebhookVerifier(ghl.WithoutDefaultKeys(), ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()))
	if err != nil {
		log.Fatal(err)
	}
	created := make(chan string, 1)
	receiver := httptest.NewServer(verifier.Handler(func(ctx context.Context, e ghl.Event) error {
		if c, ok := e.(*ghl.ContactCreateEvent); ok {
			created <- c.Email
		}
		return nil
	}))
	defer receiver.Close()
	srv.RegisterWebhook(receiver.URL)

	if _, _, err := client.Contacts.Create(context.Background(), &ghl.ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("ContactCreate for", <-created)
	// Output: ContactCreate for ada@example.com
}

func ExampleParseEvent() {
	body := []byte(`{"type":"TaskComplete","locationId":"loc1","id":"task1","contactId":"c1","title":"Call back","webhookId":"w1","timestamp":"2026-11-27T10:00:00Z"}`)
	e, err := ghl.ParseEvent(body) // no verification: use WebhookVerifier for deliveries
	if err != nil {
		log.Fatal(err)
	}
	if t, ok := e.(*ghl.TaskCompleteEvent); ok {
		fmt.Println(t.EventType(), t.ContactID, t.Title)
	}
	// Output: TaskComplete c1 Call back
}

// In your own tests, ghltest stands in for GHL: start it, point the client at it, and check
// the fake's state afterwards.
func Example_testingWithGhltest() {
	srv := ghltest.NewServer()
	defer srv.Close()
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()))
	if err != nil {
		log.Fatal(err)
	}

	// The code under test:
	if _, _, err := client.Contacts.Upsert(context.Background(), &ghl.ContactUpsertRequest{Email: "caller@example.com"}); err != nil {
		log.Fatal(err)
	}

	fmt.Println(srv.ContactCount(srv.LocationID()), srv.Requests(http.MethodPost, "/contacts/upsert"))
	// Output: 1 1
}
