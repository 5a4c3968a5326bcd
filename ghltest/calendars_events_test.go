package ghltest

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specAppointmentMembers returns the members of "appointment" in the webhook spec's schema of
// an appointment event.
func specAppointmentMembers(t *testing.T, eventType string) []string {
	t.Helper()
	raw, err := os.ReadFile("../testdata/webhook-events.json")
	require.NoError(t, err)
	var spec map[string]struct {
		Schema struct {
			Properties struct {
				Appointment struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"appointment"`
			} `json:"properties"`
		} `json:"schema"`
	}
	require.NoError(t, json.Unmarshal(raw, &spec))
	members := slices.Sorted(maps.Keys(spec[eventType].Schema.Properties.Appointment.Properties))
	require.NotEmpty(t, members, eventType)
	return members
}

// Booking, moving, reassigning, cancelling and deleting through the Calendars API raise
// AppointmentCreate, AppointmentUpdate (three times) and AppointmentDelete, each with the
// spec's members and times in the location's timezone; refused writes raise nothing.
func TestAppointmentWebhooks(t *testing.T) {
	ny := mustNY(t)
	at := time.Date(2026, 3, 5, 12, 0, 0, 0, ny)
	srv, c := newCalFake(t, at)
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(receiver.Close)
	ctx := context.Background()
	loc := srv.LocationID()
	alice, err := srv.AddUser(User{FirstName: "Alice", LastName: "Agent", Extension: "201"})
	require.NoError(t, err)
	bob, err := srv.AddUser(User{FirstName: "Bob", LastName: "Booker", Extension: "202"})
	require.NoError(t, err)
	calID, err := srv.AddCalendar(loc, Calendar{Name: "Follow-ups", GroupID: "grp-1", TeamMembers: []string{alice, bob}})
	require.NoError(t, err)
	contact := newContactVia(t, c, "ada@example.com")
	srv.RegisterWebhook(receiver.URL)

	friday9 := time.Date(2026, 3, 6, 9, 0, 0, 0, ny)
	monday9 := time.Date(2026, 3, 9, 9, 0, 0, 0, ny)
	ev, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact, StartTime: friday9,
		AssignedUserID: alice, Title: "Call back", Address: "+14155550100"})
	require.NoError(t, err)
	// Refused: Alice's Friday 9:00 is taken; an unknown calendar. No event for either.
	_, _, err = c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact, StartTime: friday9, AssignedUserID: alice})
	require.Error(t, err)
	_, _, err = c.Calendars.UpdateAppointment(ctx, ev.ID, &ghl.AppointmentUpdateRequest{CalendarID: "NoSuchCalendar000001"})
	require.Error(t, err)
	_, _, err = c.Calendars.UpdateAppointment(ctx, ev.ID, &ghl.AppointmentUpdateRequest{StartTime: &monday9})
	require.NoError(t, err)
	_, _, err = c.Calendars.UpdateAppointment(ctx, ev.ID, &ghl.AppointmentUpdateRequest{AssignedUserID: bob})
	require.NoError(t, err)
	_, _, err = c.Calendars.CancelAppointment(ctx, ev.ID)
	require.NoError(t, err)
	_, err = c.Calendars.DeleteEvent(ctx, ev.ID)
	require.NoError(t, err)
	_, err = c.Calendars.DeleteEvent(ctx, ev.ID)
	require.Error(t, err, "already deleted: no second event")

	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, srv.FlushWebhooks(fctx))
	var types []string
	var appts []map[string]any
	for _, d := range srv.Deliveries() {
		require.True(t, d.Delivered, "%+v", d)
		var body map[string]any
		require.NoError(t, json.Unmarshal(d.Body, &body))
		assert.Equal(t, []string{"appId", "appointment", "locationId", "timestamp", "type", "versionId", "webhookId"}, slices.Sorted(maps.Keys(body)))
		assert.Equal(t, d.Type, body["type"])
		assert.Equal(t, loc, body["locationId"])
		types = append(types, d.Type)
		a := body["appointment"].(map[string]any)
		assert.Equal(t, specAppointmentMembers(t, d.Type), slices.Sorted(maps.Keys(a)), d.Type)
		appts = append(appts, a)
	}
	require.Equal(t, []string{"AppointmentCreate", "AppointmentUpdate", "AppointmentUpdate", "AppointmentUpdate", "AppointmentDelete"}, types)

	// What each event reports: the appointment after the change (before it, for the delete).
	type view struct{ start, end, status, user string }
	var got []view
	for _, a := range appts {
		got = append(got, view{a["startTime"].(string), a["endTime"].(string), a["appointmentStatus"].(string), a["assignedUserId"].(string)})
		assert.Equal(t, ev.ID, a["id"])
		assert.Equal(t, calID, a["calendarId"])
		assert.Equal(t, contact, a["contactId"])
		assert.Equal(t, "grp-1", a["groupId"])
		assert.Equal(t, "Call back", a["title"])
		assert.Equal(t, "+14155550100", a["address"])
		assert.Equal(t, "third_party", a["source"])
		assert.Equal(t, []any{}, a["users"])
		assert.Equal(t, "", a["notes"])
		for _, k := range []string{"dateAdded", "dateUpdated"} {
			ts, err := time.Parse(time.RFC3339, a[k].(string))
			require.NoError(t, err, k)
			assert.WithinDuration(t, at, ts, time.Minute, k)
			assert.Equal(t, "-05:00", a[k].(string)[19:], "%s in New York time (EST that day)", k)
		}
	}
	assert.Equal(t, []view{
		{"2026-03-06T09:00:00-05:00", "2026-03-06T09:30:00-05:00", "confirmed", alice},
		{"2026-03-09T09:00:00-04:00", "2026-03-09T09:30:00-04:00", "confirmed", alice}, // moved over the DST change
		{"2026-03-09T09:00:00-04:00", "2026-03-09T09:30:00-04:00", "confirmed", bob},   // reassigned
		{"2026-03-09T09:00:00-04:00", "2026-03-09T09:30:00-04:00", "cancelled", bob},   // cancelled: kept, status changed
		{"2026-03-09T09:00:00-04:00", "2026-03-09T09:30:00-04:00", "cancelled", bob},   // deleted: as it was
	}, got)
}
