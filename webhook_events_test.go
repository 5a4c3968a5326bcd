package ghl

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specExample is one example payload of testdata/webhook-events.json (a copy of the shared
// spec file), kept byte for byte.
type specExample struct {
	event string // the spec's event name
	label string
	raw   json.RawMessage
}

func specExamples(t testing.TB) []specExample {
	t.Helper()
	var spec map[string]struct {
		Example            json.RawMessage `json:"example"`
		AdditionalExamples []struct {
			Label   string          `json:"label"`
			Example json.RawMessage `json:"example"`
		} `json:"additionalExamples"`
	}
	require.NoError(t, json.Unmarshal(readFixtureTB(t, "webhook-events.json"), &spec))
	require.Len(t, spec, 22)
	var out []specExample
	for name, e := range spec {
		out = append(out, specExample{event: name, label: "example", raw: e.Example})
		for _, a := range e.AdditionalExamples {
			out = append(out, specExample{event: name, label: a.Label, raw: a.Example})
		}
	}
	return out
}

func readFixtureTB(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

// specGoTypes maps each spec event to the Go type it decodes into and the type value that
// selects it.
var specGoTypes = map[string]struct {
	typ  any
	kind string
}{
	"ContactCreate":        {&ContactCreateEvent{}, EventContactCreate},
	"ContactUpdate":        {&ContactUpdateEvent{}, EventContactUpdate},
	"ContactDelete":        {&ContactDeleteEvent{}, EventContactDelete},
	"ContactDndUpdate":     {&ContactDndUpdateEvent{}, EventContactDndUpdate},
	"ContactTagUpdate":     {&ContactTagUpdateEvent{}, EventContactTagUpdate},
	"NoteCreate":           {&NoteCreateEvent{}, EventNoteCreate},
	"NoteUpdate":           {&NoteUpdateEvent{}, EventNoteUpdate},
	"NoteDelete":           {&NoteDeleteEvent{}, EventNoteDelete},
	"TaskCreate":           {&TaskCreateEvent{}, EventTaskCreate},
	"TaskComplete":         {&TaskCompleteEvent{}, EventTaskComplete},
	"TaskDelete":           {&TaskDeleteEvent{}, EventTaskDelete},
	"AppointmentCreate":    {&AppointmentCreateEvent{}, EventAppointmentCreate},
	"AppointmentUpdate":    {&AppointmentUpdateEvent{}, EventAppointmentUpdate},
	"AppointmentDelete":    {&AppointmentDeleteEvent{}, EventAppointmentDelete},
	"AppInstall":           {&AppInstallEvent{}, EventAppInstall},
	"AppUninstall":         {&AppUninstallEvent{}, EventAppUninstall},
	"CampaignStatusUpdate": {&CampaignStatusUpdateEvent{}, EventCampaignStatusUpdate},
	"AssociationCreate":    {&AssociationCreateEvent{}, EventAssociationCreate},
	"AssociationUpdate":    {&AssociationUpdateEvent{}, EventAssociationUpdate},
	"AssociationDelete":    {&AssociationDeleteEvent{}, EventAssociationDelete},
	"RelationCreate":       {&RelationCreateEvent{}, EventRelationCreate},
	"RelationDelete":       {&RelationDeleteEvent{}, EventRelationDelete},
}

// parseSpecExample decodes an example the way a receiver would: by its type member, or, when
// it has none, by decoding the *UnknownEvent's bytes into the type its route says it is.
func parseSpecExample(t *testing.T, ex specExample) Event {
	t.Helper()
	want, ok := specGoTypes[ex.event]
	require.True(t, ok, "no Go type for spec event %s", ex.event)
	var probe struct {
		Type *string `json:"type"`
	}
	require.NoError(t, json.Unmarshal(ex.raw, &probe))
	var ev Event
	var err error
	ev, err = ParseEvent(ex.raw)
	require.NoError(t, err)
	if probe.Type == nil {
		u, ok := ev.(*UnknownEvent)
		require.True(t, ok, "an untyped payload is an *UnknownEvent, got %T", ev)
		typed := reflect.New(reflect.TypeOf(want.typ).Elem()).Interface().(Event)
		require.NoError(t, json.Unmarshal(u.Raw(), typed))
		ev = typed
	}
	return ev
}

func TestWebhookEventsDecodeEverySpecExampleLosslessly(t *testing.T) {
	examples := specExamples(t)
	require.Len(t, examples, 25) // 22 events, plus 2 more AppInstall and 1 more AppUninstall examples
	for _, ex := range examples {
		t.Run(ex.event+"/"+ex.label, func(t *testing.T) {
			want := specGoTypes[ex.event]
			ev := parseSpecExample(t, ex)
			assert.IsType(t, want.typ, ev)
			if bytes.Contains(ex.raw, []byte(`"type"`)) {
				assert.Equal(t, want.kind, ev.EventType())
			} else {
				assert.Empty(t, ev.EventType(), "no type member")
			}
			assert.JSONEq(t, string(ex.raw), string(ev.Raw()))

			// Every member of the spec is a named field: nothing falls through to Extra.
			assert.Empty(t, reflect.ValueOf(ev).Elem().FieldByName("Extra").Interface(), "unnamed members")
			if a, ok := ev.(interface{ appointment() *WebhookAppointment }); ok {
				assert.Empty(t, a.appointment().Extra)
			}

			// Re-encoding the typed struct gives back the same JSON.
			out, err := json.Marshal(ev)
			require.NoError(t, err)
			assert.JSONEq(t, string(ex.raw), string(out))

			// And decoding the struct's JSON with encoding/json gives an equal struct.
			again := reflect.New(reflect.TypeOf(ev).Elem()).Interface()
			require.NoError(t, json.Unmarshal(out, again))
			out2, err := json.Marshal(again)
			require.NoError(t, err)
			assert.JSONEq(t, string(ex.raw), string(out2))
		})
	}
}

func (e *AppointmentPayload) appointment() *WebhookAppointment { return e.Appointment }

func TestWebhookEventsTypedValues(t *testing.T) {
	byName := map[string]Event{}
	for _, ex := range specExamples(t) {
		if ex.label == "example" {
			byName[ex.event] = parseSpecExample(t, ex)
		}
	}

	c := byName["ContactCreate"].(*ContactCreateEvent)
	assert.Equal(t, "ve9EPM428h8vShlRW1KT", c.LocationID)
	assert.Equal(t, "ve9EPM428h8vShlRW1KT", c.EventLocationID())
	assert.Equal(t, "nmFmQEsNgz6AVpgLVUJ0", c.ID)
	assert.Equal(t, "JohnDeo@gmail.comm", c.Email)
	assert.True(t, c.DND)
	assert.Equal(t, []string{"id magna sed Lorem", "Duis dolor commodo aliqua"}, c.Tags)
	assert.Equal(t, time.Date(2021, 11, 26, 12, 41, 2, 193e6, time.UTC), c.DateAdded.Time)
	assert.JSONEq(t, `[]`, string(c.Attachments))
	v, ok := c.CustomField("BcdmQEsNgz6AVpgLVUJ0")
	require.True(t, ok)
	s, _ := v.String()
	assert.Equal(t, "XYZ Corp", s)

	d := byName["ContactDndUpdate"].(*ContactDndUpdateEvent)
	require.NotNil(t, d.DNDSettings)
	assert.Equal(t, &DNDChannel{Status: "active", Message: "Some message", Code: "101"}, d.DNDSettings.Email)

	tc := byName["TaskComplete"].(*TaskCompleteEvent)
	assert.Equal(t, "test", tc.Title)
	assert.Equal(t, time.Date(2021, 12, 22, 6, 55, 0, 0, time.UTC), tc.DueDate.Time)

	a := byName["AppointmentUpdate"].(*AppointmentUpdateEvent)
	require.NotNil(t, a.Appointment)
	assert.Equal(t, "confirmed", a.Appointment.AppointmentStatus)
	assert.Equal(t, []string{"YlWd2wuCAZQzh2cH1fVZ", "9NkT25Vor1v4aQatFsv2"}, a.Appointment.Users)
	assert.True(t, a.Appointment.StartTime.Equal(time.Date(2023, 9, 25, 10, 30, 0, 0, time.UTC)))
	assert.Equal(t, "2023-09-25T16:00:00+05:30", a.Appointment.StartTime.Raw)

	in := byName["AppInstall"].(*AppInstallEvent)
	assert.Equal(t, "INSTALL", in.Type)
	require.NotNil(t, in.Trial)
	assert.True(t, in.Trial.OnTrial)
	assert.Equal(t, 10.0, in.Trial.TrialDuration)
	assert.Equal(t, 2024, in.Trial.TrialStartDate.Year())
	assert.Equal(t, "example.com", in.WhitelabelDetails.Domain)

	r := byName["RelationCreate"].(*RelationCreateEvent)
	assert.Empty(t, r.EventType(), "the payload has no type member")
	assert.Equal(t, "emqfhnG3g9D9chy9inTz", r.SecondRecordID)

	cs := byName["CampaignStatusUpdate"].(*CampaignStatusUpdateEvent)
	assert.Equal(t, "paused", cs.Status)
}

func TestParseEventWithoutTypeOrUnknownType(t *testing.T) {
	for name, body := range map[string]string{
		"unknown type": `{"type":"OpportunityCreate","locationId":"L1","webhookId":"w1","id":"o1","monetaryValue":12.5}`,
		"no type":      `{"locationId":"L1","webhookId":"w1","id":"o1","monetaryValue":12.5}`,
		"type not str": `{"type":7,"locationId":"L1","webhookId":"w1","id":"o1","monetaryValue":12.5}`,
	} {
		t.Run(name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(body))
			require.NoError(t, err)
			u, ok := ev.(*UnknownEvent)
			require.True(t, ok, "got %T", ev)
			assert.Equal(t, "L1", u.EventLocationID())
			assert.Equal(t, "w1", u.EventWebhookID())
			assert.JSONEq(t, `"o1"`, string(u.Extra["id"]))
			assert.JSONEq(t, `12.5`, string(u.Extra["monetaryValue"]))
			out, err := json.Marshal(u)
			require.NoError(t, err)
			assert.JSONEq(t, body, string(out))
		})
	}
	ev, err := ParseEvent([]byte(`{"type":"OpportunityCreate"}`))
	require.NoError(t, err)
	assert.Equal(t, "OpportunityCreate", ev.EventType())
}

func TestParseEventRejectsWhatIsNotAJSONObject(t *testing.T) {
	for _, body := range []string{
		``, `   `, `null`, `[]`, `"x"`, `12`, `{`, `{"type":"NoteCreate"`, `{"type":"NoteCreate",}`,
		`{"type":"NoteCreate"} {}`, `{"type":"NoteCreate"}x`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`,
		`{"a":tru}`, `{"a":nul}`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a" 1}`, `{a:1}`,
		`{"a":[1,]}`, `{"a":{"b":1,}}`, `{"a":'x'}`, `{"a":1}}`,
	} {
		ev, err := ParseEvent([]byte(body))
		assert.Nil(t, ev, "%q", body)
		var perr *WebhookPayloadError
		if assert.True(t, errors.As(err, &perr), "%q: %v", body, err) {
			assert.ErrorIs(t, err, ErrMalformedWebhook)
		}
		var obj any
		err = json.Unmarshal([]byte(body), &obj)
		_, isObject := obj.(map[string]any)
		assert.False(t, err == nil && isObject, "test input %q is a JSON object", body)
	}
}

func TestParseEventKeepsMisfitMembersInExtra(t *testing.T) {
	body := `{"type":"ContactUpdate","locationId":"L1","id":"c1","email":5,"dnd":"yes","tags":[1,"a"],"customFields":{"x":1},"dateAdded":{"t":1},"city":"Berlin"}`
	ev, err := ParseEvent([]byte(body))
	require.NoError(t, err)
	c := ev.(*ContactUpdateEvent)
	assert.Equal(t, "Berlin", c.City)
	assert.Empty(t, c.Email)
	assert.False(t, c.DND)
	assert.Nil(t, c.Tags)
	assert.Nil(t, c.CustomFields)
	assert.True(t, c.DateAdded.IsZero())
	assert.Equal(t, Extra{
		"email": json.RawMessage(`5`), "dnd": json.RawMessage(`"yes"`), "tags": json.RawMessage(`[1,"a"]`),
		"customFields": json.RawMessage(`{"x":1}`), "dateAdded": json.RawMessage(`{"t":1}`),
	}, c.Extra)
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, body, string(out))
}

func TestParseEventKeepsPresentZeroValuesAndNulls(t *testing.T) {
	body := `{"type":"ContactCreate","locationId":"L1","id":"c1","email":"","dnd":false,"tags":[],"city":null,"dateAdded":"","dndSettings":null,"customFields":[],"attachments":null}`
	ev, err := ParseEvent([]byte(body))
	require.NoError(t, err)
	out, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.JSONEq(t, body, string(out))
	assert.Empty(t, ev.(*ContactCreateEvent).Extra)

	// A field set in Go after decoding is written with its new value.
	c := ev.(*ContactCreateEvent)
	c.Email = "new@example.com"
	c.City = "Paris"
	out, err = json.Marshal(c)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(out, &m))
	assert.Equal(t, "new@example.com", m["email"])
	assert.Equal(t, "Paris", m["city"])
}

func TestParseEventTimeForms(t *testing.T) {
	for raw, want := range map[string]time.Time{
		`"2025-01-28T14:35:00Z"`:          time.Date(2025, 1, 28, 14, 35, 0, 0, time.UTC),
		`"2025-01-28T14:35:00.123+01:00"`: time.Date(2025, 1, 28, 13, 35, 0, 123e6, time.UTC),
		`"2025-01-28 14:35:00"`:           time.Date(2025, 1, 28, 14, 35, 0, 0, time.UTC),
		`1738074900000`:                   time.Date(2025, 1, 28, 14, 35, 0, 0, time.UTC),
		`"not a time"`:                    {},
	} {
		body := `{"type":"NoteCreate","timestamp":` + raw + `,"dateAdded":` + raw + `}`
		ev, err := ParseEvent([]byte(body))
		require.NoError(t, err, raw)
		n := ev.(*NoteCreateEvent)
		assert.True(t, want.Equal(n.DateAdded.Time), "%s: got %v", raw, n.DateAdded.Time)
		assert.True(t, want.Equal(ev.EventTime()), raw)
		out, err := json.Marshal(n)
		require.NoError(t, err)
		assert.JSONEq(t, body, string(out), raw)
	}
}

func TestParseEventDetails(t *testing.T) {
	t.Run("keeps its own copy of the body", func(t *testing.T) {
		body := []byte(`{"type":"NoteCreate","body":"hello","extraThing":[1]}`)
		ev, err := ParseEvent(body)
		require.NoError(t, err)
		copy(body, `{"type":"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX`)
		assert.Equal(t, "hello", ev.(*NoteCreateEvent).Body)
		assert.JSONEq(t, `[1]`, string(ev.(*NoteCreateEvent).Extra["extraThing"]))
		assert.Equal(t, `{"type":"NoteCreate","body":"hello","extraThing":[1]}`, string(ev.Raw()))
	})
	t.Run("escaped names and values", func(t *testing.T) {
		ev, err := ParseEvent([]byte(`{"typ\u0065":"Note\u0043reate","b\u006fdy":"a\"b\u00e9\n","\u00fcber":1}`))
		require.NoError(t, err)
		n := ev.(*NoteCreateEvent)
		assert.Equal(t, "a\"b\u00e9\n", n.Body)
		assert.JSONEq(t, `1`, string(n.Extra["\u00fcber"]))
	})
	t.Run("a repeated member replaces the earlier one", func(t *testing.T) {
		ev, err := ParseEvent([]byte(`{"type":"NoteCreate","body":"a","body":"b","x":1,"x":2}`))
		require.NoError(t, err)
		assert.Equal(t, "b", ev.(*NoteCreateEvent).Body)
		assert.JSONEq(t, `2`, string(ev.(*NoteCreateEvent).Extra["x"]))
	})
	t.Run("names match exactly", func(t *testing.T) {
		ev, err := ParseEvent([]byte(`{"type":"NoteCreate","Body":"a"}`))
		require.NoError(t, err)
		assert.Empty(t, ev.(*NoteCreateEvent).Body)
		assert.JSONEq(t, `"a"`, string(ev.(*NoteCreateEvent).Extra["Body"]))
	})
	t.Run("a payload without a type decodes into the type chosen by its route", func(t *testing.T) {
		ev, err := ParseEvent([]byte(`{"id":"a1","key":"k","webhookId":"w"}`))
		require.NoError(t, err)
		var a AssociationDeleteEvent
		require.NoError(t, json.Unmarshal(ev.Raw(), &a))
		assert.Equal(t, "k", a.Key)
		assert.Equal(t, "w", a.EventWebhookID())
		assert.Empty(t, a.EventType())
	})
	t.Run("json.Unmarshal into an event type", func(t *testing.T) {
		buf := []byte(`{"type":"TaskCreate","title":"call back","dueDate":"2025-02-01T10:00:00Z","priority":"high"}`)
		var tc TaskCreateEvent
		require.NoError(t, json.Unmarshal(buf, &tc))
		copy(buf, `{"type":"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX`)
		assert.Equal(t, "call back", tc.Title)
		assert.JSONEq(t, `"high"`, string(tc.Extra["priority"]))
		assert.Equal(t, EventTaskCreate, tc.EventType())
	})
	t.Run("deep nesting is refused, not a stack overflow", func(t *testing.T) {
		deep := make([]byte, 0, 30000)
		deep = append(deep, `{"a":`...)
		for i := 0; i < 12000; i++ {
			deep = append(deep, '[')
		}
		_, err := ParseEvent(deep)
		assert.ErrorIs(t, err, ErrMalformedWebhook)
	})
}
