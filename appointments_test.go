package ghl

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// GetEventSchema's example from the spec (times without T or zone), and one with RFC 3339
// times as the calendars API and webhooks send them.
const appointmentJSON = `{"id":"YS3jaqqeehkR2Is80miy","calendarId":"YlWd2wuCAZQzh2cH1fVZ","status":"booked","title":"Test",
	"assignedUserId":"YlWd2wuCAZQzh2cH1fVZ","notes":"test","startTime":"2021-07-16 11:00:00","endTime":"2021-07-16 11:30:00",
	"address":"Address","locationId":"YlWd2wuCAZQzh2cH1fVZ","contactId":"YlWd2wuCAZQzh2cH1fVZ","groupId":"YlWd2wuCAZQzh2cH1fVZ",
	"appointmentStatus":"booked","users":["YlWd2wuCAZQzh2cH1fVZ","YlWd2wuCAZQzh2cH1fVZ"],"dateAdded":"2021-07-16 11:00:00",
	"dateUpdated":"2021-07-16 11:30:00","assignedResources":["YlWd2wuCAZQzh2cH1fVZ","YlWd2wuCAZQzh2cH1fVZ"]}`

const appointmentRFC3339JSON = `{"id":"ev2","startTime":"2024-10-25T10:00:00+05:30","endTime":"2024-10-25T10:30:00+05:30","isRecurring":false}`

func TestAppointmentsList(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodGet, path: "/contacts/c1/appointments", resp: `{"events":[` + appointmentJSON + `,` + appointmentRFC3339JSON + `]}`})
	appts, _, err := client.Appointments.List(context.Background(), "c1")
	require.NoError(t, err)
	require.Len(t, appts, 2)

	a := appts[0]
	assert.Equal(t, "YS3jaqqeehkR2Is80miy", a.ID)
	assert.Equal(t, "YlWd2wuCAZQzh2cH1fVZ", a.CalendarID)
	assert.Equal(t, "booked", a.Status)
	assert.Equal(t, "booked", a.AppointmentStatus)
	assert.Equal(t, "Test", a.Title)
	assert.Equal(t, "Address", a.Address)
	assert.Equal(t, []string{"YlWd2wuCAZQzh2cH1fVZ", "YlWd2wuCAZQzh2cH1fVZ"}, a.Users)
	assert.Equal(t, []string{"YlWd2wuCAZQzh2cH1fVZ", "YlWd2wuCAZQzh2cH1fVZ"}, a.AssignedResources)
	assert.True(t, a.StartTime.Equal(time.Date(2021, 7, 16, 11, 0, 0, 0, time.UTC)))
	assert.Equal(t, "2021-07-16 11:00:00", a.StartTime.Raw)
	assert.Equal(t, 30*time.Minute, a.EndTime.Sub(a.StartTime.Time))
	assert.Equal(t, "2021-07-16 11:30:00", a.DateUpdated.Raw)

	b := appts[1]
	assert.True(t, b.StartTime.Equal(time.Date(2024, 10, 25, 4, 30, 0, 0, time.UTC)))
	assert.Equal(t, "2024-10-25T10:00:00+05:30", b.StartTime.Raw)
	assert.JSONEq(t, `false`, string(b.Extra["isRecurring"]))
}

func TestAppointmentRoundTripKeepsTimeText(t *testing.T) {
	for _, in := range []string{appointmentJSON, appointmentRFC3339JSON} {
		var a Appointment
		require.NoError(t, json.Unmarshal([]byte(in), &a))
		out, err := json.Marshal(a)
		require.NoError(t, err)
		assert.JSONEq(t, in, string(out))
	}
}

func TestAppointmentsListEmpty(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodGet, path: "/contacts/c%2F1/appointments", resp: `{"events":[]}`})
	appts, _, err := client.Appointments.List(context.Background(), "c/1")
	require.NoError(t, err)
	assert.Empty(t, appts)
}
