package ghltest

import (
	"context"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Appointments shows a contact's appointments as stored, after bookings, moves and
// cancellations, in the location's timezone.
func TestAppointmentsInspection(t *testing.T) {
	ny := mustNY(t)
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, ny))
	ctx := context.Background()
	alice, err := srv.AddUser(User{FirstName: "Alice", Extension: "201"})
	require.NoError(t, err)
	calID, err := srv.AddCalendar(srv.LocationID(), Calendar{Name: "Follow-ups", TeamMembers: []string{alice}})
	require.NoError(t, err)
	contact := newContactVia(t, c, "ada@example.com")
	assert.Empty(t, srv.Appointments(srv.LocationID(), contact))
	assert.Nil(t, srv.Appointments("no-such-location", contact))

	first, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact, Title: "Call back",
		StartTime: time.Date(2026, 3, 6, 14, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	monday := time.Date(2026, 3, 9, 9, 30, 0, 0, ny)
	_, _, err = c.Calendars.UpdateAppointment(ctx, first.ID, &ghl.AppointmentUpdateRequest{StartTime: &monday})
	require.NoError(t, err)
	second, err := srv.BookAppointment(srv.LocationID(), contact, Appointment{CalendarID: calID, Title: "Seeded",
		StartTime: time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	_, _, err = c.Calendars.CancelAppointment(ctx, first.ID)
	require.NoError(t, err)

	got := srv.Appointments(srv.LocationID(), contact)
	require.Len(t, got, 2)
	assert.Equal(t, first.ID, got[0].ID)
	assert.Equal(t, contact, got[0].ContactID)
	assert.Equal(t, "Call back", got[0].Title)
	assert.Equal(t, alice, got[0].AssignedUserID)
	assert.Equal(t, "cancelled", got[0].AppointmentStatus)
	assert.Equal(t, "2026-03-09T09:30:00-04:00", got[0].StartTime.Format(time.RFC3339))
	assert.Equal(t, "2026-03-09T10:00:00-04:00", got[0].EndTime.Format(time.RFC3339))
	assert.False(t, got[0].DateUpdated.Before(got[0].DateAdded))
	assert.Equal(t, second, got[1].ID)
	assert.Equal(t, "2026-03-10T11:00:00-04:00", got[1].StartTime.Format(time.RFC3339), "in the location's timezone")
	assert.Equal(t, "confirmed", got[1].AppointmentStatus)
	assert.Equal(t, got[1].DateAdded, got[1].DateUpdated)
}
