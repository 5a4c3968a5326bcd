package ghlclient_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/linkedphone/ghl-go/ghltest/ghlclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The booking flow of a phone system through the SDK, across the end of daylight saving time
// in New York (Sunday 2026-11-01): free slots -> book -> the slot is gone -> move over the
// change -> cancel -> delete, with each step's webhook verified by the SDK's Handler:
// AppointmentCreate, AppointmentUpdate (moved), AppointmentUpdate (cancelled),
// AppointmentDelete.
func TestBookingFlowAcrossDSTWithWebhooks(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	// The fake's clock starts on the Thursday before the change and runs on; deliveries are
	// dated by the real clock, which the verifier checks them against.
	began, at := time.Now(), time.Date(2026, 10, 29, 12, 0, 0, 0, ny)
	srv := ghltest.New(t, ghltest.WithClock(func() time.Time { return at.Add(time.Since(began)) }), ghltest.WithWebhookClock(time.Now))
	require.NoError(t, srv.SetLocationDetails(srv.LocationID(), ghltest.LocationDetails{Name: "Acme Dental", Timezone: "America/New_York"}))
	alice, err := srv.AddUser(ghltest.User{FirstName: "Alice", LastName: "Agent", Extension: "201"})
	require.NoError(t, err)
	calID, err := srv.AddCalendar(srv.LocationID(), ghltest.Calendar{Name: "Follow-ups", TeamMembers: []string{alice}})
	require.NoError(t, err)
	client, err := ghlclient.New(srv, ghl.WithMaxRetries(0))
	require.NoError(t, err)
	ctx := context.Background()
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com"})
	require.NoError(t, err)

	// The receiver: the SDK's verifying Handler, keeping the appointment events it is given.
	verifier, err := ghlclient.NewVerifier(srv)
	require.NoError(t, err)
	var mu sync.Mutex
	var events []ghl.Event
	receiver := httptest.NewServer(verifier.Handler(func(_ context.Context, ev ghl.Event) error {
		switch ev.(type) {
		case *ghl.AppointmentCreateEvent, *ghl.AppointmentUpdateEvent, *ghl.AppointmentDeleteEvent:
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}
		return nil
	}))
	t.Cleanup(receiver.Close)
	srv.RegisterWebhook(receiver.URL)
	// next waits for the deliveries of the last step and returns the one appointment event.
	next := func() ghl.Event {
		t.Helper()
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		require.NoError(t, srv.FlushWebhooks(fctx))
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, events, 1)
		ev := events[0]
		events = nil
		return ev
	}
	appt := func(p ghl.AppointmentPayload) *ghl.WebhookAppointment {
		t.Helper()
		assert.Equal(t, srv.LocationID(), p.EventLocationID())
		require.NotNil(t, p.Appointment)
		return p.Appointment
	}

	// Free slots in the location's timezone: Friday 30 October (EDT, UTC-4) to Monday
	// 2 November (EST, UTC-5).
	loc, _, err := client.Locations.Get(ctx, srv.LocationID())
	require.NoError(t, err)
	tz, err := loc.LoadTimezone()
	require.NoError(t, err)
	opts := &ghl.FreeSlotsOptions{Start: time.Date(2026, 10, 30, 0, 0, 0, 0, tz), End: time.Date(2026, 11, 3, 0, 0, 0, 0, tz), Timezone: tz.String()}
	slots, _, err := client.Calendars.FreeSlots(ctx, calID, opts)
	require.NoError(t, err)
	require.Len(t, slots, 32, "16 half-hour slots on Friday and 16 on Monday")
	friday9, monday9 := slots[0], slots[16]
	assert.Equal(t, "2026-10-30T09:00:00-04:00", friday9.Format(time.RFC3339))
	assert.Equal(t, "2026-11-02T09:00:00-05:00", monday9.Format(time.RFC3339))
	assert.Equal(t, 73*time.Hour, monday9.Sub(friday9), "the same wall-clock hour, an hour further apart after the change")

	// Book Friday 9:00 for the user on extension 201.
	user, _, err := client.Users.ByExtension(ctx, "201")
	require.NoError(t, err)
	require.NotNil(t, user)
	booked, _, err := client.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact.ID, StartTime: friday9,
		AssignedUserID: user.ID, Title: "Call back"})
	require.NoError(t, err)
	created, ok := next().(*ghl.AppointmentCreateEvent)
	require.True(t, ok, "AppointmentCreate")
	a := appt(created.AppointmentPayload)
	assert.Equal(t, booked.ID, a.ID)
	assert.Equal(t, calID, a.CalendarID)
	assert.Equal(t, contact.ID, a.ContactID)
	assert.Equal(t, alice, a.AssignedUserID)
	assert.Equal(t, "Call back", a.Title)
	assert.Equal(t, ghl.AppointmentStatusConfirmed, a.AppointmentStatus)
	assert.Equal(t, "2026-10-30T09:00:00-04:00", a.StartTime.Raw)
	assert.Equal(t, "2026-10-30T09:30:00-04:00", a.EndTime.Raw)

	// The slot is gone.
	slots, _, err = client.Calendars.FreeSlots(ctx, calID, opts)
	require.NoError(t, err)
	assert.Len(t, slots, 31)
	assert.False(t, slices.ContainsFunc(slots, friday9.Equal))

	// Move it over the change to Monday 9:00 EST: it keeps its 30 minutes.
	_, _, err = client.Calendars.UpdateAppointment(ctx, booked.ID, &ghl.AppointmentUpdateRequest{StartTime: &monday9})
	require.NoError(t, err)
	moved, ok := next().(*ghl.AppointmentUpdateEvent)
	require.True(t, ok, "AppointmentUpdate")
	a = appt(moved.AppointmentPayload)
	assert.Equal(t, booked.ID, a.ID)
	assert.Equal(t, "2026-11-02T09:00:00-05:00", a.StartTime.Raw)
	assert.Equal(t, "2026-11-02T09:30:00-05:00", a.EndTime.Raw)
	assert.True(t, a.StartTime.Equal(time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)))
	assert.Equal(t, ghl.AppointmentStatusConfirmed, a.AppointmentStatus)
	slots, _, err = client.Calendars.FreeSlots(ctx, calID, opts)
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(slots, friday9.Equal), "Friday 9:00 is free again")
	assert.False(t, slices.ContainsFunc(slots, monday9.Equal))

	// Cancel: an update whose status is cancelled; the appointment stays, its slot is free.
	_, _, err = client.Calendars.CancelAppointment(ctx, booked.ID)
	require.NoError(t, err)
	cancelled, ok := next().(*ghl.AppointmentUpdateEvent)
	require.True(t, ok, "AppointmentUpdate")
	a = appt(cancelled.AppointmentPayload)
	assert.Equal(t, booked.ID, a.ID)
	assert.Equal(t, ghl.AppointmentStatusCancelled, a.AppointmentStatus)
	assert.Equal(t, "2026-11-02T09:00:00-05:00", a.StartTime.Raw)
	slots, _, err = client.Calendars.FreeSlots(ctx, calID, opts)
	require.NoError(t, err)
	assert.Len(t, slots, 32)
	got, _, err := client.Calendars.GetAppointment(ctx, booked.ID)
	require.NoError(t, err)
	assert.Equal(t, ghl.AppointmentStatusCancelled, got.AppointmentStatus)

	// Delete: gone, with its last state in the event.
	_, err = client.Calendars.DeleteEvent(ctx, booked.ID)
	require.NoError(t, err)
	deleted, ok := next().(*ghl.AppointmentDeleteEvent)
	require.True(t, ok, "AppointmentDelete")
	a = appt(deleted.AppointmentPayload)
	assert.Equal(t, booked.ID, a.ID)
	assert.Equal(t, ghl.AppointmentStatusCancelled, a.AppointmentStatus)
	_, _, err = client.Calendars.GetAppointment(ctx, booked.ID)
	assert.ErrorIs(t, err, ghl.ErrValidation, "not found: 400, as the Calendars API answers")

	for _, d := range srv.Deliveries() {
		assert.Equal(t, 200, d.StatusCode, "%s verified and handled", d.Type)
	}
}
