package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// The mapping between GHL and LinkedPhone fields is documented in doc.go (MAPPING); keep the
// two in step.

// Tags LinkedPhone derives from call activity. GHL lower-cases tags, so these are lower case.
const (
	TagCalled     = "called"
	TagMissedCall = "missed-call"
)

// LinkedPhone statuses.
const (
	StatusLead      = "lead"
	StatusCustomer  = "customer"
	StatusDoNotCall = "do-not-call"
)

// sourceLinkedPhone marks contacts LinkedPhone created in GHL.
const sourceLinkedPhone = "LinkedPhone"

// applyContact copies a GHL contact's fields onto a LinkedPhone record, its phone number in
// E.164 by region. Tasks, notes and the call log are left alone: they come from other calls
// (or, for calls, from LinkedPhone only).
func applyContact(r *Record, c *ghl.Contact, region string) {
	r.ContactID = c.ID
	r.Name = contactName(c)
	r.Email = strings.ToLower(strings.TrimSpace(c.Email))
	// GHL stores numbers in E.164; one that does not normalize (written into GHL some other
	// way) is left out: LinkedPhone matches callers by it, and it cannot ring anyone.
	r.Phone, _ = e164(c.Phone, region)
	r.Status = contactStatus(c)
	r.Tags = normalizeTags(c.Tags)
	if t := timeOf(c.DateUpdated); !t.IsZero() {
		r.GHLUpdatedAt = t
	}
}

// contactName picks the display name: GHL's name, else first and last name, else the company.
func contactName(c *ghl.Contact) string {
	if n := strings.TrimSpace(c.Name); n != "" {
		return n
	}
	if n := strings.TrimSpace(c.FirstName + " " + c.LastName); n != "" {
		return n
	}
	return strings.TrimSpace(c.CompanyName)
}

// contactStatus maps GHL's do-not-disturb settings and contact type to a LinkedPhone status.
// DND on all channels or on calls wins: LinkedPhone must not place calls to such a contact.
func contactStatus(c *ghl.Contact) string {
	if c.DND {
		return StatusDoNotCall
	}
	if s := c.DNDSettings; s != nil && s.Call != nil && (s.Call.Status == "active" || s.Call.Status == "permanent") {
		return StatusDoNotCall
	}
	if strings.EqualFold(c.Type, StatusCustomer) {
		return StatusCustomer
	}
	return StatusLead
}

// normalizeTags lower-cases, trims, de-duplicates and sorts tags, as GHL compares them.
func normalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// defaultRegion is the country by which a number without a country code is read: the demo's
// location is in the US. A run against GHL reads its location's country (real.go).
const defaultRegion = "US"

// e164 returns a number in E.164 ("+1 (415) 555-0100" -> "+14155550100"), the form GHL
// stores and compares and LinkedPhone receives as caller ID, reading a number without a
// country code as one of region; "" for no number. A number that does not normalize (too
// short, an extension, letters) is an error: GHL refuses it with 422, and a caller must not be
// matched on it.
func e164(p, region string) (string, error) {
	if strings.TrimSpace(p) == "" {
		return "", nil
	}
	return ghl.NormalizePhone(p, region)
}

// splitName splits a display name into GHL's first and last name: the first word, and the rest.
func splitName(name string) (first, last string) {
	f := strings.Fields(name)
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return f[0], ""
	}
	return f[0], strings.Join(f[1:], " ")
}

// upsertRequest builds the GHL upsert for a LinkedPhone record, whose phone number is phone
// (in E.164, or ""). Tags are deliberately not sent: an upsert's tags replace the contact's
// whole list, which would drop tags set in GHL. Activity tags are added with Tags.Add instead.
// newContact sets the source to LinkedPhone; it must be false for a contact GHL already has,
// whose source would be overwritten.
func upsertRequest(r *Record, phone string, newContact bool) *ghl.ContactUpsertRequest {
	first, last := splitName(r.Name)
	req := &ghl.ContactUpsertRequest{
		FirstName: first,
		LastName:  last,
		Name:      strings.TrimSpace(r.Name),
		Email:     strings.ToLower(strings.TrimSpace(r.Email)),
		Phone:     phone,
	}
	if newContact {
		req.Source = sourceLinkedPhone
	}
	return req
}

// unsyncedCalls returns the record's calls that are not in the contact's GHL conversation
// yet (the activity tags go with them), and those whose summary is not a note yet.
func unsyncedCalls(r *Record) (calls, notes []Call) {
	for _, c := range r.Calls {
		if legacyCall(c) {
			continue
		}
		if c.MessageID == "" {
			calls = append(calls, c)
		}
		if strings.TrimSpace(c.Summary) != "" && c.NoteID == "" {
			notes = append(notes, c)
		}
	}
	return calls, notes
}

// unloggedTexts returns the texts the record received that GHL does not have yet.
func unloggedTexts(r *Record) []Text {
	var out []Text
	for _, t := range r.Texts {
		if t.Direction == "inbound" && t.MessageID == "" {
			out = append(out, t)
		}
	}
	return out
}

// activityTags derives GHL tags from calls: "called" once any call was answered,
// "missed-call" once any was missed.
func activityTags(calls []Call) []string {
	var tags []string
	var called, missed bool
	for _, c := range calls {
		if c.Missed {
			missed = true
		} else {
			called = true
		}
	}
	if called {
		tags = append(tags, TagCalled)
	}
	if missed {
		tags = append(tags, TagMissedCall)
	}
	return tags
}

// callSummary is the body of the GHL note that carries a call's summary.
func callSummary(c Call) string {
	var b strings.Builder
	b.WriteString("LinkedPhone: ")
	if c.Missed {
		fmt.Fprintf(&b, "missed %s call", c.Direction)
	} else {
		fmt.Fprintf(&b, "%s call, %s", c.Direction, (time.Duration(c.Seconds) * time.Second).String())
	}
	fmt.Fprintf(&b, " at %s", c.At.UTC().Format("2006-01-02 15:04 MST"))
	if s := strings.TrimSpace(c.Summary); s != "" {
		b.WriteString(". ")
		b.WriteString(s)
	}
	return b.String()
}

// followUpTitle is the title of the task created for a contact new in GHL.
func followUpTitle(name string) string {
	if name == "" {
		return "Follow up with new contact"
	}
	return "Follow up with " + name
}

// timeOf returns the time a GHL timestamp holds (zero for nil).
func timeOf(t *ghl.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}

// mapTask converts a GHL task.
func mapTask(t *ghl.Task) Task {
	return Task{ID: t.ID, Title: t.Title, Body: t.Body, DueDate: timeOf(t.DueDate), Completed: t.Completed}
}

// mapTasks converts a contact's GHL tasks, open ones first, then by due date.
func mapTasks(tasks []*ghl.Task) []Task {
	out := make([]Task, 0, len(tasks))
	for _, t := range tasks {
		if t != nil && t.ID != "" {
			out = append(out, mapTask(t))
		}
	}
	slices.SortStableFunc(out, func(a, b Task) int {
		if a.Completed != b.Completed {
			if a.Completed {
				return 1
			}
			return -1
		}
		return a.DueDate.Compare(b.DueDate)
	})
	return out
}

// mapNotes converts a contact's GHL notes, newest first.
func mapNotes(notes []*ghl.Note) []Note {
	out := make([]Note, 0, len(notes))
	for _, n := range notes {
		if n != nil && n.ID != "" {
			out = append(out, Note{ID: n.ID, Body: n.Body, DateAdded: timeOf(n.DateAdded)})
		}
	}
	slices.SortStableFunc(out, func(a, b Note) int { return b.DateAdded.Compare(a.DateAdded) })
	return out
}

// mapAppointments converts a contact's GHL appointments, by start time.
func mapAppointments(appts []*ghl.Appointment) []Appointment {
	out := make([]Appointment, 0, len(appts))
	for _, a := range appts {
		if a == nil || a.ID == "" {
			continue
		}
		status := a.AppointmentStatus
		if status == "" {
			status = a.Status
		}
		out = append(out, Appointment{ID: a.ID, Title: a.Title, Start: timeOf(a.StartTime), Status: status,
			UserID: a.AssignedUserID, Updated: timeOf(a.DateUpdated)})
	}
	slices.SortStableFunc(out, func(a, b Appointment) int { return a.Start.Compare(b.Start) })
	return out
}

// staleEvent reports whether a contact event is older than what the record already holds.
func staleEvent(r *Record, ev *ghl.ContactPayload) bool {
	return !ev.DateUpdated.IsZero() && ev.DateUpdated.Before(r.GHLUpdatedAt)
}

// applyContactEvent copies the contact fields of a contact webhook onto a record, the same
// way applyContact does for a contact fetched from the API. Webhooks carry no contact type
// (their "type" member is the event's), so a known status other than do-not-call is kept.
func applyContactEvent(r *Record, ev *ghl.ContactPayload, region string) {
	prev := r.Status
	var updated *ghl.Time
	if !ev.DateUpdated.IsZero() {
		updated = &ev.DateUpdated
	}
	applyContact(r, &ghl.Contact{
		ID: ev.ID, Name: ev.Name, DateUpdated: updated, FirstName: ev.FirstName, LastName: ev.LastName, CompanyName: ev.CompanyName,
		Email: ev.Email, Phone: ev.Phone, DND: ev.DND, DNDSettings: ev.DNDSettings, Tags: ev.Tags,
	}, region)
	if r.Status == StatusLead && prev == StatusCustomer {
		r.Status = prev
	}
}
