package ghl

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The spec's GetNoteSchema example, with the createdBy GHL adds.
const appointmentNoteJSON = `{"id":"HGPcayliwcdoUFzvbTok","body":"lorem ipsum","userId":"TUcmRxWrjqzJS8EjkxNK",
	"dateAdded":"2021-07-08T12:02:11.285Z","contactId":"TUcmRxWrjqzJS8EjkxNK","createdBy":{"id":"TUcmRxWr","name":"John Doe"}}`

func TestCalendarsListAppointmentNotes(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{method: http.MethodGet, path: "/calendars/appointments/ap%2F1/notes", version: versionCalendars,
		query: "limit=10&offset=5", resp: `{"notes":[` + appointmentNoteJSON + `],"hasMore":true}`})
	page, resp, err := client.Calendars.ListAppointmentNotes(context.Background(), "ap/1", &AppointmentNoteListOptions{Limit: 10, Offset: 5})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, page.HasMore)
	require.Len(t, page.Notes, 1)
	n := page.Notes[0]
	assert.Equal(t, "HGPcayliwcdoUFzvbTok", n.ID)
	assert.Equal(t, "lorem ipsum", n.Body)
	assert.Equal(t, "TUcmRxWrjqzJS8EjkxNK", n.UserID)
	assert.Equal(t, "2021-07-08T12:02:11.285Z", n.DateAdded.Raw)
	assert.JSONEq(t, `{"id":"TUcmRxWr","name":"John Doe"}`, string(n.Extra["createdBy"]))

	// Both paging parameters are required by GHL and always sent.
	expect(t, mux, wire{method: http.MethodGet, path: "/calendars/appointments/ap2/notes", version: versionCalendars,
		query: "limit=20&offset=0", resp: `{"notes":[],"hasMore":false}`})
	page, _, err = client.Calendars.ListAppointmentNotes(context.Background(), "ap2", nil)
	require.NoError(t, err)
	assert.Empty(t, page.Notes)

	for _, tc := range []struct {
		opts  *AppointmentNoteListOptions
		param string
	}{
		{&AppointmentNoteListOptions{Limit: 21}, "opts.Limit"},
		{&AppointmentNoteListOptions{Limit: -1}, "opts.Limit"},
		{&AppointmentNoteListOptions{Offset: -1}, "opts.Offset"},
	} {
		_, _, err := client.Calendars.ListAppointmentNotes(context.Background(), "ap2", tc.opts)
		assertInvalidParam(t, err, tc.param)
	}
}

func TestCalendarsAppointmentNotesPages(t *testing.T) {
	client, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("/calendars/appointments/ap1/notes", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		assertWire(t, r, wire{method: http.MethodGet, path: "/calendars/appointments/ap1/notes", version: versionCalendars,
			query: fmt.Sprintf("limit=20&offset=%d", 20*(n-1))})
		var notes []string
		count := 20
		if n == 2 {
			count = 3
		}
		for i := range count {
			notes = append(notes, fmt.Sprintf(`{"id":"n%d","body":"b"}`, 20*(int(n)-1)+i))
		}
		fmt.Fprintf(w, `{"notes":[%s],"hasMore":%v}`, strings.Join(notes, ","), n == 1)
	})
	var ids []string
	for n, err := range client.Calendars.AppointmentNotes(context.Background(), "ap1") {
		require.NoError(t, err)
		ids = append(ids, n.ID)
	}
	assert.Len(t, ids, 23)
	assert.Equal(t, "n22", ids[22])
	assert.Equal(t, int32(2), calls.Load())
}

// A server that says there is more but sends an empty page would loop forever.
func TestCalendarsAppointmentNotesStopsOnStuckCursor(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/calendars/appointments/ap1/notes", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"notes":[],"hasMore":true}`)
	})
	var errs []error
	for _, err := range client.Calendars.AppointmentNotes(context.Background(), "ap1") {
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrPagination)

	for _, err := range client.Calendars.AppointmentNotes(context.Background(), "") {
		assertInvalidParam(t, err, "appointmentID")
	}
}

func TestCalendarsAppointmentNoteWrites(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	ctx := context.Background()
	expect(t, mux, wire{method: http.MethodPost, path: "/calendars/appointments/ap1/notes", version: versionCalendars,
		body: `{"body":"lorem ipsum","userId":"GCs5KuzPqTls7vWclkEV"}`, status: http.StatusCreated, resp: `{"note":` + appointmentNoteJSON + `}`})
	n, resp, err := client.Calendars.CreateAppointmentNote(ctx, "ap1", &AppointmentNoteRequest{Body: "lorem ipsum", UserID: "GCs5KuzPqTls7vWclkEV"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "HGPcayliwcdoUFzvbTok", n.ID)

	expect(t, mux, wire{method: http.MethodPut, path: "/calendars/appointments/ap1/notes/n%231", version: versionCalendars,
		body: `{"body":"changed"}`, resp: `{"note":{"id":"n#1","body":"changed"}}`})
	n, _, err = client.Calendars.UpdateAppointmentNote(ctx, "ap1", "n#1", &AppointmentNoteRequest{Body: "changed"})
	require.NoError(t, err)
	assert.Equal(t, "changed", n.Body)

	expect(t, mux, wire{method: http.MethodDelete, path: "/calendars/appointments/ap1/notes/n1", version: versionCalendars, resp: `{"success":true}`})
	_, err = client.Calendars.DeleteAppointmentNote(ctx, "ap1", "n1")
	require.NoError(t, err)

	expect(t, mux, wire{method: http.MethodDelete, path: "/calendars/appointments/ap1/notes/n2", version: versionCalendars, resp: `{"success":false}`})
	_, err = client.Calendars.DeleteAppointmentNote(ctx, "ap1", "n2")
	assert.ErrorIs(t, err, ErrNotSucceeded)

	long := strings.Repeat("é", 5000)    // 5,000 UTF-16 units: allowed
	tooLong := strings.Repeat("😀", 2501) // 5,002 UTF-16 units
	for _, tc := range []struct {
		name  string
		err   error
		param string
	}{
		{"create nil", second(client.Calendars.CreateAppointmentNote(ctx, "ap1", nil)), "req"},
		{"create empty", second(client.Calendars.CreateAppointmentNote(ctx, "ap1", &AppointmentNoteRequest{Body: " "})), "req.Body"},
		{"create too long", second(client.Calendars.CreateAppointmentNote(ctx, "ap1", &AppointmentNoteRequest{Body: tooLong})), "req.Body"},
		{"create no appointment", second(client.Calendars.CreateAppointmentNote(ctx, "", &AppointmentNoteRequest{Body: long})), "appointmentID"},
		{"update no note", second(client.Calendars.UpdateAppointmentNote(ctx, "ap1", "", &AppointmentNoteRequest{Body: long})), "noteID"},
		{"update empty", second(client.Calendars.UpdateAppointmentNote(ctx, "ap1", "n1", &AppointmentNoteRequest{})), "req.Body"},
		{"delete no note", func() error { _, err := client.Calendars.DeleteAppointmentNote(ctx, "ap1", ".."); return err }(), "noteID"},
	} {
		assertInvalidParam(t, tc.err, tc.param)
	}
	expect(t, mux, wire{method: http.MethodPost, path: "/calendars/appointments/ap9/notes", version: versionCalendars,
		body: `{"body":"` + long + `"}`, status: http.StatusCreated, resp: `{"note":{"id":"n9"}}`})
	_, _, err = client.Calendars.CreateAppointmentNote(ctx, "ap9", &AppointmentNoteRequest{Body: long})
	require.NoError(t, err)
}

// second returns the error of a (value, *Response, error) call.
func second[T any](_ T, _ *Response, err error) error { return err }
