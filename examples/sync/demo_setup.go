package main

import (
	"fmt"

	"github.com/linkedphone/ghl-go/ghltest"
)

// The demo location's setup, as the location's admin would have made it in GHL: the users
// who take LinkedPhone calls, each with their extension, the calendar follow-ups are booked
// in, and LinkedPhone's custom fields. It is made directly in the fake, so it costs no API
// request.

// demoUser is a GHL user who takes LinkedPhone calls.
type demoUser struct {
	ID, Name, Extension string
}

// demoSetup is what prepareDemoLocation made.
type demoSetup struct {
	Users      []demoUser
	CalendarID string
	Timezone   string
}

func prepareDemoLocation(srv *ghltest.Server, loc string) (*demoSetup, error) {
	setup := &demoSetup{Timezone: ghltest.DefaultTimezone}
	if err := srv.SetLocationDetails(loc, ghltest.LocationDetails{Name: "Acme Dental", Timezone: setup.Timezone}); err != nil {
		return nil, err
	}
	var team []string
	for _, u := range []ghltest.User{
		{FirstName: "Alice", LastName: "Agent", Email: "alice@example.com", Extension: "201"},
		{FirstName: "Bob", LastName: "Booker", Email: "bob@example.com", Extension: "202"},
	} {
		id, err := srv.AddUser(u)
		if err != nil {
			return nil, err
		}
		team = append(team, id)
		setup.Users = append(setup.Users, demoUser{ID: id, Name: u.FirstName + " " + u.LastName, Extension: u.Extension})
	}
	// Half-hour follow-ups, Monday to Friday 9:00 to 17:00 in the location's timezone.
	calID, err := srv.AddCalendar(loc, ghltest.Calendar{Name: defaultFollowUpCalendar, TeamMembers: team})
	if err != nil {
		return nil, err
	}
	setup.CalendarID = calID
	for _, f := range linkedPhoneFields {
		if _, err := srv.AddCustomField(loc, ghltest.CustomField{Name: f.Name, FieldKey: f.Key, DataType: f.DataType}); err != nil {
			return nil, fmt.Errorf("creating the custom field %s: %w", f.Key, err)
		}
	}
	return setup, nil
}

// user returns the demo user on an extension.
func (d *demoSetup) user(ext string) demoUser {
	for _, u := range d.Users {
		if u.Extension == ext {
			return u
		}
	}
	return demoUser{}
}
