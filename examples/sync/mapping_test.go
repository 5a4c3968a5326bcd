package main

import (
	"encoding/json"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApplyContact(t *testing.T) {
	// A contact as GET /contacts/{id} returns it.
	var c ghl.Contact
	require.NoError(t, json.Unmarshal([]byte(`{
		"id": "ocQHyuzHvysMo5N5VsXc", "locationId": "loc1", "firstName": "Rosa", "lastName": "Diaz",
		"name": "Rosa Diaz", "email": "Rosa.Diaz@Example.com", "phone": "+1 555 201-0200",
		"type": "customer", "tags": ["VIP", "newsletter", "vip", " "], "dnd": false,
		"dndSettings": {"SMS": {"status": "active"}}
	}`), &c))
	var r Record
	applyContact(&r, &c, defaultRegion)
	assert.Equal(t, Record{
		ContactID: "ocQHyuzHvysMo5N5VsXc", Name: "Rosa Diaz", Email: "rosa.diaz@example.com",
		Phone: "+15552010200", Status: StatusCustomer, Tags: []string{"newsletter", "vip"},
	}, r)

	t.Run("phone numbers in E.164 by the location's country", func(t *testing.T) {
		r := Record{}
		applyContact(&r, &ghl.Contact{ID: "x", Phone: "(415) 555-0100"}, "US")
		assert.Equal(t, "+14155550100", r.Phone)
		applyContact(&r, &ghl.Contact{ID: "x", Phone: "020 7946 0958"}, "GB")
		assert.Equal(t, "+442079460958", r.Phone)
		// A number that does not normalize is left out, not kept as written.
		applyContact(&r, &ghl.Contact{ID: "x", Phone: "555-0100"}, "US")
		assert.Empty(t, r.Phone)
	})

	t.Run("name falls back to first and last, then company", func(t *testing.T) {
		r := Record{}
		applyContact(&r, &ghl.Contact{ID: "x", FirstName: "Ada", LastName: "Lovelace"}, defaultRegion)
		assert.Equal(t, "Ada Lovelace", r.Name)
		applyContact(&r, &ghl.Contact{ID: "x", CompanyName: "Acme Dental"}, defaultRegion)
		assert.Equal(t, "Acme Dental", r.Name)
	})
	t.Run("do not disturb wins", func(t *testing.T) {
		r := Record{}
		applyContact(&r, &ghl.Contact{ID: "x", Type: "customer", DND: true}, defaultRegion)
		assert.Equal(t, StatusDoNotCall, r.Status)
		applyContact(&r, &ghl.Contact{ID: "x", DNDSettings: &ghl.DNDSettings{Call: &ghl.DNDChannel{Status: "permanent"}}}, defaultRegion)
		assert.Equal(t, StatusDoNotCall, r.Status)
		applyContact(&r, &ghl.Contact{ID: "x", DNDSettings: &ghl.DNDSettings{Call: &ghl.DNDChannel{Status: "inactive"}}}, defaultRegion)
		assert.Equal(t, StatusLead, r.Status)
	})
	t.Run("leaves LinkedPhone's own fields alone", func(t *testing.T) {
		r := Record{ID: "lp-7", Calls: []Call{{Direction: "inbound"}}, Tasks: []Task{{ID: "t"}}}
		applyContact(&r, &ghl.Contact{ID: "x"}, defaultRegion)
		assert.Equal(t, "lp-7", r.ID)
		assert.Len(t, r.Calls, 1)
		assert.Len(t, r.Tasks, 1)
	})
}

func TestUpsertRequestNeverSendsTags(t *testing.T) {
	r := &Record{Name: "  Maria  de la Cruz ", Email: " Maria@Example.com", Phone: "+15559990001", Tags: []string{"vip"}}
	body, err := json.Marshal(upsertRequest(r, r.Phone, true))
	require.NoError(t, err)
	// An upsert's tags would replace the contact's whole list in GHL.
	assert.JSONEq(t, `{"locationId":"","firstName":"Maria","lastName":"de la Cruz","name":"Maria  de la Cruz",
		"email":"maria@example.com","phone":"+15559990001","source":"LinkedPhone"}`, string(body))

	// For a contact GHL already has, the source it came from is kept.
	body, err = json.Marshal(upsertRequest(r, r.Phone, false))
	require.NoError(t, err)
	assert.NotContains(t, string(body), "source")
}

func TestActivityTagsAndCallSummary(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	missed := Call{At: at, Direction: "inbound", Missed: true}
	answered := Call{At: at, Direction: "outbound", Seconds: 252, Summary: "Wants a quote. "}

	assert.Nil(t, activityTags(nil))
	assert.Equal(t, []string{TagMissedCall}, activityTags([]Call{missed}))
	assert.Equal(t, []string{TagCalled}, activityTags([]Call{answered}))
	assert.Equal(t, []string{TagCalled, TagMissedCall}, activityTags([]Call{missed, answered}))

	assert.Equal(t, "LinkedPhone: missed inbound call at 2026-03-01 09:30 UTC", callSummary(missed))
	assert.Equal(t, "LinkedPhone: outbound call, 4m12s at 2026-03-01 09:30 UTC. Wants a quote.", callSummary(answered))
}

func TestMapTasksNotesAppointments(t *testing.T) {
	var tasks []*ghl.Task
	require.NoError(t, json.Unmarshal([]byte(`[
		{"id":"t1","title":"Done","completed":true,"dueDate":"2026-01-01T00:00:00.000Z"},
		{"id":"t2","title":"Later","body":"b","completed":false,"dueDate":"2026-02-02T10:00:00.000Z"},
		{"id":"t3","title":"Sooner","completed":false,"dueDate":"2026-01-15T10:00:00.000Z"},
		{"title":"no id"}]`), &tasks))
	got := mapTasks(tasks)
	require.Len(t, got, 3)
	assert.Equal(t, []string{"t3", "t2", "t1"}, []string{got[0].ID, got[1].ID, got[2].ID}, "open first, by due date")
	assert.Equal(t, Task{ID: "t2", Title: "Later", Body: "b", DueDate: time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC)}, got[1])

	var notes []*ghl.Note
	require.NoError(t, json.Unmarshal([]byte(`[{"id":"n1","body":"old","dateAdded":"2026-01-01T00:00:00Z"},
		{"id":"n2","body":"new","dateAdded":"2026-02-01T00:00:00Z"}]`), &notes))
	assert.Equal(t, []string{"new", "old"}, []string{mapNotes(notes)[0].Body, mapNotes(notes)[1].Body})

	// The contact appointments endpoint writes times without a zone.
	var appts []*ghl.Appointment
	require.NoError(t, json.Unmarshal([]byte(`[{"id":"a1","title":"Consultation","status":"booked",
		"appointmentStatus":"confirmed","startTime":"2026-03-02 15:00:00"}]`), &appts))
	assert.Equal(t, []Appointment{{ID: "a1", Title: "Consultation", Status: "confirmed", Start: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}},
		mapAppointments(appts))
}

func TestApplyContactEventKeepsCustomerStatus(t *testing.T) {
	parsed, err := ghl.ParseEvent([]byte(`{"type":"ContactUpdate","locationId":"l","id":"c1","webhookId":"w1",
		"timestamp":"2026-03-01T09:30:00Z","name":"Rosa Diaz","email":"rosa@example.com","phone":"+15559990100","tags":["b","a"]}`))
	require.NoError(t, err)
	ev, ok := parsed.(*ghl.ContactUpdateEvent)
	require.True(t, ok, "%T", parsed)
	r := Record{Status: StatusCustomer}
	applyContactEvent(&r, &ev.ContactPayload, defaultRegion)
	assert.Equal(t, Record{ContactID: "c1", Name: "Rosa Diaz", Email: "rosa@example.com", Phone: "+15559990100",
		Status: StatusCustomer, Tags: []string{"a", "b"}}, r)
}

func TestStaleContactEvent(t *testing.T) {
	parsed, err := ghl.ParseEvent([]byte(`{"type":"ContactUpdate","locationId":"l","id":"c1","webhookId":"w1",
		"timestamp":"2026-03-01T09:30:00Z","dateUpdated":"2026-03-01T09:29:00.000Z","name":"Old Name"}`))
	require.NoError(t, err)
	ev := &parsed.(*ghl.ContactUpdateEvent).ContactPayload
	t0 := time.Date(2026, 3, 1, 9, 29, 0, 0, time.UTC)
	assert.False(t, staleEvent(&Record{}, ev))
	assert.False(t, staleEvent(&Record{GHLUpdatedAt: t0}, ev), "same instant: apply")
	assert.True(t, staleEvent(&Record{GHLUpdatedAt: t0.Add(time.Second)}, ev))

	r := Record{}
	applyContactEvent(&r, ev, defaultRegion)
	assert.Equal(t, t0, r.GHLUpdatedAt)
}
