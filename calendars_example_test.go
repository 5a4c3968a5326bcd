package ghl_test

import (
	"context"
	"fmt"
	"log"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

// After a call, book the follow-up in the first free slot of the calendar, for the user whose
// extension took the call. Slots come in the location's timezone: here the Monday after New
// York's clocks went forward.
func ExampleCalendarsService_Book() {
	began, at := time.Now(), time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	srv := ghltest.NewServer(ghltest.WithClock(func() time.Time { return at.Add(time.Since(began)) }))
	defer srv.Close()
	alice, _ := srv.AddUser(ghltest.User{FirstName: "Alice", Extension: "201"})
	calID, _ := srv.AddCalendar(srv.LocationID(), ghltest.Calendar{Name: "Follow-ups", TeamMembers: []string{alice}})
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	contact, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com"})
	if err != nil {
		log.Fatal(err)
	}

	loc, _, err := client.Locations.Get(ctx, client.LocationID())
	if err != nil {
		log.Fatal(err)
	}
	tz, err := loc.LoadTimezone()
	if err != nil {
		log.Fatal(err)
	}
	monday := time.Date(2026, 3, 9, 0, 0, 0, 0, tz)
	slots, _, err := client.Calendars.FreeSlots(ctx, calID, &ghl.FreeSlotsOptions{Start: monday, End: monday.Add(24 * time.Hour), Timezone: tz.String()})
	if err != nil || len(slots) == 0 {
		log.Fatal("no free slot: ", err)
	}
	user, _, err := client.Users.ByExtension(ctx, "201")
	if err != nil || user == nil {
		log.Fatal("no user on extension 201: ", err)
	}
	ev, _, err := client.Calendars.Book(ctx, &ghl.AppointmentRequest{
		CalendarID: calID, ContactID: contact.ID, StartTime: slots[0], AssignedUserID: user.ID, Title: "Call back",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ev.StartTime.Raw, ev.EndTime.Raw, ev.AssignedUserID == user.ID)
	// Output: 2026-03-09T09:00:00-04:00 2026-03-09T09:30:00-04:00 true
}

// Write and read a contact's custom fields by key: Create, Update and Upsert send each key
// as its field's ID, and ContactFields reads a value back by key. An unknown key is an error
// before anything is sent, not a value that silently goes nowhere.
func ExampleContactFields() {
	srv := ghltest.NewServer()
	defer srv.Close()
	_, _ = srv.AddCustomField(srv.LocationID(), ghltest.CustomField{Name: "Call count", DataType: "NUMERICAL"})
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	c, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com",
		CustomFields: []ghl.CustomFieldInput{{Key: "contact.call_count", Value: 3}}})
	if err != nil {
		log.Fatal(err)
	}
	v, _, err := client.Locations.ContactFields().Value(ctx, c, "contact.call_count")
	if err != nil {
		log.Fatal(err)
	}
	n, _ := v.Float()
	fmt.Println("call count:", n)

	_, _, err = client.Contacts.Update(ctx, c.ID, &ghl.ContactUpdateRequest{
		CustomFields: []ghl.CustomFieldInput{{Key: "contact.no_such_field", Value: "x"}}})
	fmt.Println(err)
	// Output:
	// call count: 3
	// ghl: location ghltest-location-1 has no contact custom field with key "contact.no_such_field"
}
