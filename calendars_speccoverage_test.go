package ghl

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Spec coverage of the Calendars, Users and Locations APIs (testdata/*.openapi.json, copies of
// GHL's): every operation is either built, and then sent by the SDK in the tour below, or left
// out for a reason given here. A new operation in a refreshed spec copy fails the test until
// it is put in one list or the other.

// builtOperations are the operations the SDK has methods for, by spec file.
var builtOperations = map[string][]string{
	"calendars": {
		"GET /calendars/",                                               // Calendars.List
		"GET /calendars/{calendarId}/free-slots",                        // Calendars.FreeSlots
		"POST /calendars/events/appointments",                           // Calendars.Book
		"PUT /calendars/events/appointments/{eventId}",                  // UpdateAppointment, CancelAppointment
		"GET /calendars/events/appointments/{eventId}",                  // GetAppointment
		"GET /calendars/events",                                         // Events
		"DELETE /calendars/events/{eventId}",                            // DeleteEvent
		"GET /calendars/appointments/{appointmentId}/notes",             // ListAppointmentNotes, AppointmentNotes
		"POST /calendars/appointments/{appointmentId}/notes",            // CreateAppointmentNote
		"PUT /calendars/appointments/{appointmentId}/notes/{noteId}",    // UpdateAppointmentNote
		"DELETE /calendars/appointments/{appointmentId}/notes/{noteId}", // DeleteAppointmentNote
	},
	"users": {
		"GET /users/search",   // Users.Search, SearchAll, ByExtension
		"GET /users/{userId}", // Users.Get
	},
	"locations": {
		"GET /locations/{locationId}",                   // Locations.Get (and the company lookup)
		"GET /locations/{locationId}/customFields",      // CustomFields (and the key cache)
		"POST /locations/{locationId}/customFields",     // CreateCustomField
		"GET /locations/{locationId}/customFields/{id}", // GetCustomField
		"PUT /locations/{locationId}/customFields/{id}", // UpdateCustomField
		"DELETE /locations/{locationId}/customFields/{id}",
		"GET /locations/{locationId}/tags",  // Tags
		"POST /locations/{locationId}/tags", // CreateTag
	},
}

const (
	whySetup     = "calendar set-up stays in GHL's UI; booking needs only List and FreeSlots, which reflect it"
	whyAgency    = "agency-level administration (Agency-Access token): a per-location phone integration cannot call it"
	whyNotPhone  = "not part of a phone system's job (book from a call, assign, map fields); Client.Do reaches it"
	whyDeprecate = "deprecated by GHL and removed in API v3; Users.Search replaces it"
)

// leftOut are the operations the SDK leaves out, with the reason.
var leftOut = map[string]map[string]string{
	"calendars": {
		"GET /calendars/groups":                                         whySetup,
		"POST /calendars/groups":                                        whySetup,
		"POST /calendars/groups/validate-slug":                          whySetup,
		"DELETE /calendars/groups/{groupId}":                            whySetup,
		"PUT /calendars/groups/{groupId}":                               whySetup,
		"PUT /calendars/groups/{groupId}/status":                        whySetup,
		"POST /calendars/":                                              whySetup,
		"GET /calendars/{calendarId}":                                   whySetup + " (List returns every calendar's settings)",
		"PUT /calendars/{calendarId}":                                   whySetup,
		"DELETE /calendars/{calendarId}":                                whySetup,
		"GET /calendars/blocked-slots":                                  "blocked time is the calendar owner's; FreeSlots already leaves it out. " + whyNotPhone,
		"POST /calendars/events/block-slots":                            "blocking time is the calendar owner's. " + whyNotPhone,
		"PUT /calendars/events/block-slots/{eventId}":                   "blocking time is the calendar owner's. " + whyNotPhone,
		"GET /calendars/resources/{resourceType}/{id}":                  "rooms and equipment: " + whyNotPhone,
		"PUT /calendars/resources/{resourceType}/{id}":                  "rooms and equipment: " + whyNotPhone,
		"DELETE /calendars/resources/{resourceType}/{id}":               "rooms and equipment: " + whyNotPhone,
		"GET /calendars/resources/{resourceType}":                       "rooms and equipment: " + whyNotPhone,
		"POST /calendars/resources/{resourceType}":                      "rooms and equipment: " + whyNotPhone,
		"GET /calendars/{calendarId}/notifications":                     "notification settings: " + whySetup,
		"POST /calendars/{calendarId}/notifications":                    "notification settings: " + whySetup,
		"GET /calendars/{calendarId}/notifications/{notificationId}":    "notification settings: " + whySetup,
		"PUT /calendars/{calendarId}/notifications/{notificationId}":    "notification settings: " + whySetup,
		"DELETE /calendars/{calendarId}/notifications/{notificationId}": "notification settings: " + whySetup,
		"GET /calendars/schedules/search":                               "availability schedules: " + whySetup,
		"GET /calendars/schedules/{id}":                                 "availability schedules: " + whySetup,
		"PUT /calendars/schedules/{id}":                                 "availability schedules: " + whySetup,
		"DELETE /calendars/schedules/{id}":                              "availability schedules: " + whySetup,
		"POST /calendars/schedules":                                     "availability schedules: " + whySetup,
		"PUT /calendars/schedules/{id}/associations/{calendarId}":       "availability schedules: " + whySetup,
		"DELETE /calendars/schedules/{id}/associations/{calendarId}":    "availability schedules: " + whySetup,
	},
	"users": {
		"GET /users/":                        whyDeprecate,
		"POST /users/search/filter-by-email": "agency-only (Agency-Access); " + whyAgency,
		"POST /users/":                       "user administration: " + whyAgency,
		"PUT /users/{userId}":                "user administration: " + whyAgency,
		"DELETE /users/{userId}":             "user administration: " + whyAgency,
	},
	"locations": {
		"GET /locations/search":                               whyAgency,
		"POST /locations/":                                    whyAgency,
		"PUT /locations/{locationId}":                         whyAgency,
		"DELETE /locations/{locationId}":                      whyAgency,
		"GET /locations/{locationId}/tags/{tagId}":            "the catalogue is read whole (Tags) and extended (CreateTag); renaming or deleting a tag touches every contact and stays in GHL's UI",
		"PUT /locations/{locationId}/tags/{tagId}":            "renaming a tag touches every contact; it stays in GHL's UI",
		"DELETE /locations/{locationId}/tags/{tagId}":         "deleting a tag touches every contact; it stays in GHL's UI",
		"POST /locations/{locationId}/tasks/search":           "location-wide task search; a contact's tasks come from Tasks.List. " + whyNotPhone,
		"GET /locations/{locationId}/recurring-tasks/{id}":    "recurring tasks: " + whyNotPhone,
		"PUT /locations/{locationId}/recurring-tasks/{id}":    "recurring tasks: " + whyNotPhone,
		"DELETE /locations/{locationId}/recurring-tasks/{id}": "recurring tasks: " + whyNotPhone,
		"POST /locations/{locationId}/recurring-tasks":        "recurring tasks: " + whyNotPhone,
		"POST /locations/{locationId}/customFields/upload":    "multipart file upload into FILE_UPLOAD fields; LinkedPhone's fields are text, numbers and dates",
		"GET /locations/{locationId}/customValues":            "custom values are location-wide merge variables, not contact data. " + whyNotPhone,
		"POST /locations/{locationId}/customValues":           "custom values are location-wide merge variables, not contact data. " + whyNotPhone,
		"GET /locations/{locationId}/customValues/{id}":       "custom values are location-wide merge variables, not contact data. " + whyNotPhone,
		"PUT /locations/{locationId}/customValues/{id}":       "custom values are location-wide merge variables, not contact data. " + whyNotPhone,
		"DELETE /locations/{locationId}/customValues/{id}":    "custom values are location-wide merge variables, not contact data. " + whyNotPhone,
		"GET /locations/{locationId}/timezones":               "the location's own timezone comes with Get; GHL's list of every timezone is incomplete (tracker #156)",
		"GET /locations/{locationId}/templates":               "email and SMS templates: messaging set-up. " + whyNotPhone,
		"DELETE /locations/{locationId}/templates/{id}":       "email and SMS templates: messaging set-up. " + whyNotPhone,
	},
}

// tour calls every built method once against a server that answers anything.
func tour(t *testing.T, c *Client) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		require.NoError(t, err)
	}
	_, _, err := c.Calendars.List(ctx, nil)
	must(err)
	_, _, err = c.Calendars.FreeSlots(ctx, "cal1", &FreeSlotsOptions{Start: start, End: start.Add(24 * time.Hour)})
	must(err)
	_, _, err = c.Calendars.Book(ctx, &AppointmentRequest{CalendarID: "cal1", ContactID: "k1", StartTime: start})
	must(err)
	_, _, err = c.Calendars.UpdateAppointment(ctx, "ev1", &AppointmentUpdateRequest{Title: "t"})
	must(err)
	_, _, err = c.Calendars.CancelAppointment(ctx, "ev1")
	must(err)
	_, _, err = c.Calendars.GetAppointment(ctx, "ev1")
	must(err)
	for _, err := range c.Calendars.Events(ctx, &EventListOptions{CalendarID: "cal1", Start: start, End: start.Add(time.Hour)}) {
		must(err)
	}
	_, err = c.Calendars.DeleteEvent(ctx, "ev1")
	must(err)
	for _, err := range c.Calendars.AppointmentNotes(ctx, "ev1") {
		must(err)
	}
	_, _, err = c.Calendars.CreateAppointmentNote(ctx, "ev1", &AppointmentNoteRequest{Body: "b"})
	must(err)
	_, _, err = c.Calendars.UpdateAppointmentNote(ctx, "ev1", "n1", &AppointmentNoteRequest{Body: "b"})
	must(err)
	_, err = c.Calendars.DeleteAppointmentNote(ctx, "ev1", "n1")
	must(err)

	_, _, err = c.Users.ByExtension(ctx, "204")
	must(err)
	_, _, err = c.Users.Get(ctx, "u1")
	must(err)

	_, _, err = c.Locations.Get(ctx, "loc1")
	must(err)
	_, _, err = c.Locations.CustomFields(ctx, nil)
	must(err)
	_, _, err = c.Locations.GetCustomField(ctx, "contact.last_call")
	must(err)
	_, _, err = c.Locations.CreateCustomField(ctx, &CustomFieldCreateRequest{Name: "n", DataType: "TEXT"})
	must(err)
	_, _, err = c.Locations.UpdateCustomField(ctx, "cf1", &CustomFieldUpdateRequest{Name: "n"})
	must(err)
	_, err = c.Locations.DeleteCustomField(ctx, "cf1")
	must(err)
	_, _, err = c.Locations.Tags(ctx)
	must(err)
	_, _, err = c.Locations.CreateTag(ctx, "t")
	must(err)
}

// anyAnswer decodes into the result of every toured method.
// (Appointment notes get their own page: "notes" is a string on an event.)
const anyAnswer = `{"calendars":[],"events":[],"users":[],"count":0,
	"location":{"id":"loc1","companyId":"comp1"},"customFields":[],"customField":{"id":"cf1"},"tags":[],"tag":{"id":"t1"},
	"event":{"id":"ev1"},"note":{"id":"n1"},"id":"x1","succeeded":true,"succeded":true,"success":true,"traceId":"t"}`

func TestFamiliesSpecCoverage(t *testing.T) {
	client, mux := setup(t)
	var sent requestLog
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sent.add(r.Method, r.URL.EscapedPath())
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/notes") {
			fmt.Fprint(w, `{"notes":[],"hasMore":false}`)
			return
		}
		fmt.Fprint(w, anyAnswer)
	})
	tour(t, client)

	for _, name := range []string{"calendars", "users", "locations"} {
		t.Run(name, func(t *testing.T) {
			ops, err := loadSpecOperations("testdata/" + name + ".openapi.json")
			require.NoError(t, err)
			built := map[string]bool{}
			for _, op := range builtOperations[name] {
				built[op] = true
			}
			covered := coveredOperations(ops, &sent)
			var unlisted []string
			for _, op := range ops {
				key := op.method + " " + op.template
				why, left := leftOut[name][key]
				switch {
				case built[key] && left:
					t.Errorf("%s is both built and left out", key)
				case built[key]:
					assert.True(t, covered[key], "%s is built but the tour never sent it", key)
					delete(built, key)
				case left:
					assert.NotEmpty(t, why)
					assert.False(t, covered[key], "%s is left out but the SDK sent it", key)
				default:
					unlisted = append(unlisted, key)
				}
			}
			assert.Empty(t, unlisted, "operations of the spec in neither list")
			assert.Empty(t, built, "built operations that are not in the spec")
			assert.Len(t, leftOut[name], len(ops)-len(builtOperations[name]), "left-out operations that are not in the spec")
			t.Logf("%s: %d of %d operations built; left out: %d", name, len(builtOperations[name]), len(ops), len(leftOut[name]))
		})
	}
}

// coveredOperations returns the operations some sent request matches, each request counting
// for the most specific template (fewest parameters) it matches.
func coveredOperations(ops []specOperation, log *requestLog) map[string]bool {
	covered := map[string]bool{}
	log.mu.Lock()
	defer log.mu.Unlock()
	keys := make([]string, 0, len(log.sent))
	for k := range log.sent {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		method, path, _ := strings.Cut(key, " ")
		best := -1
		for i, op := range ops {
			if op.method == method && op.re.MatchString(path) && (best < 0 || op.params < ops[best].params) {
				best = i
			}
		}
		if best >= 0 {
			covered[ops[best].method+" "+ops[best].template] = true
		}
	}
	return covered
}
