package ghl_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

// A phone system logs a finished call on the contact's conversation timeline, attaches the
// recording once it is ready, and reads the call back. Call logs need the OAuth token of the
// marketplace app that owns the Call conversation provider: a Private Integration Token is
// refused for a provider ID.
func ExampleConversationsService_LogCall() {
	srv := ghltest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithLocationID(srv.LocationID()),
		ghl.WithAccessToken(srv.ProviderAppToken(srv.LocationID())))
	if err != nil {
		log.Fatal(err)
	}
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", Phone: "+14155550100"})
	if err != nil {
		log.Fatal(err)
	}

	logged, _, err := client.Conversations.LogCall(ctx, &ghl.CallLogRequest{
		Direction:              ghl.DirectionInbound,
		ContactID:              contact.ID,
		ConversationProviderID: ghltest.DefaultCallProviderID,
		Call:                   ghl.CallData{From: "+14155550100", To: "+14155550199", Status: ghl.CallCompleted},
		AltID:                  "pbx-call-42",
		Date:                   time.Date(2026, 5, 1, 9, 58, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Conversations.SetAttachments(ctx, logged.MessageID, []string{"https://pbx.example/rec/42.wav"}); err != nil {
		log.Fatal(err)
	}
	m, _, err := client.Conversations.GetMessage(ctx, logged.MessageID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.MessageType, m.Direction, m.CallStatus(), m.AltID)

	// With a Private Integration Token, GHL refuses the provider ID.
	pit, _ := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()))
	_, _, err = pit.Conversations.LogCall(ctx, &ghl.CallLogRequest{Direction: ghl.DirectionOutbound, ContactID: contact.ID,
		ConversationProviderID: ghltest.DefaultCallProviderID})
	var pe *ghl.ConversationProviderError
	fmt.Println(errors.As(err, &pe) && pe.Problem == ghl.ProviderRefused)
	// Output:
	// TYPE_CALL inbound completed pbx-call-42
	// true
}

// A call's recording streams straight to where it is stored, never held in memory.
func ExampleConversationsService_Recording() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{Phone: "+14155550100"})
	if err != nil {
		log.Fatal(err)
	}
	// A call GHL's own dialer placed, with a 1 MiB recording.
	id, _ := srv.AddMessage(srv.LocationID(), contact.ID, ghltest.Message{MessageType: "TYPE_CALL", CallStatus: "completed"})
	_ = srv.SetRecording(srv.LocationID(), id, ghltest.SyntheticWAV(1<<20))

	rec, _, err := client.Conversations.Recording(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	defer rec.Close()
	sum := sha256.New() // stands for a file or an object store
	n, err := io.Copy(sum, rec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.ContentType, rec.Filename, n)
	// Output: audio/x-wav audio.wav 1048576
}

// Backfill: every call of the location since a checkpoint, across pages of the export.
func ExampleConversationsService_ExportMessages() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{Phone: "+14155550100"})
	if err != nil {
		log.Fatal(err)
	}
	checkpoint := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range 25 {
		_, _ = srv.AddMessage(srv.LocationID(), contact.ID, ghltest.Message{MessageType: "TYPE_CALL", CallStatus: "completed",
			CallDuration: ghl.Ptr(60 + i), DateAdded: checkpoint.Add(time.Duration(i) * time.Hour)})
	}
	var calls int
	var talk time.Duration
	for m, err := range client.Conversations.ExportMessages(ctx, &ghl.MessageExportOptions{
		Channel: ghl.ChannelCall, StartDate: checkpoint, SortOrder: ghl.SortAsc, Limit: 10,
	}) {
		if err != nil {
			log.Fatal(err)
		}
		d, _ := m.CallDuration()
		calls, talk = calls+1, talk+d
	}
	fmt.Println(calls, talk)
	// Output: 25 30m0s
}
