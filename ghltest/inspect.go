package ghltest

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Inspection for tests: the state of a location as typed values, so a test reads c.Phone
// rather than c["phone"].(string), and a digest that compares two runs. The types are the
// fake's own (ghltest cannot import the ghl package, whose tests import ghltest); their fields
// carry GHL's JSON names.

// Contact is a stored contact: the fields the fake keeps, as the API returns them.
type Contact struct {
	ID          string `json:"id"`
	LocationID  string `json:"locationId"`
	Name        string `json:"name,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"` // E.164
	CompanyName string `json:"companyName,omitempty"`
	Address1    string `json:"address1,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	PostalCode  string `json:"postalCode,omitempty"`
	Country     string `json:"country,omitempty"`
	Website     string `json:"website,omitempty"`
	Timezone    string `json:"timezone,omitempty"`
	Gender      string `json:"gender,omitempty"`
	Source      string `json:"source,omitempty"`
	AssignedTo  string `json:"assignedTo,omitempty"`
	Type        string `json:"type,omitempty"`
	BusinessID  string `json:"businessId,omitempty"`
	DateOfBirth string `json:"dateOfBirth,omitempty"` // YYYY-MM-DD
	DND         bool   `json:"dnd"`
	// DNDSettings maps a channel ("Call", "SMS", ...) to its setting.
	DNDSettings  map[string]DNDSetting `json:"dndSettings,omitempty"`
	Tags         []string              `json:"tags"`
	Followers    []string              `json:"followers,omitempty"`
	CustomFields []CustomFieldValue    `json:"customFields"`
	DateAdded    time.Time             `json:"dateAdded"`
	DateUpdated  time.Time             `json:"dateUpdated"`
	// Other holds the stored fields this type does not name (inboundDndSettings, the
	// lower-case search fields, ...), as decoded JSON.
	Other map[string]any `json:"-"`
}

// MarshalJSON encodes the contact as the API returns it, Other's fields included.
func (c Contact) MarshalJSON() ([]byte, error) {
	type plain Contact
	raw, err := json.Marshal(plain(c))
	if err != nil || len(c.Other) == 0 {
		return raw, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for k, v := range c.Other {
		if _, named := m[k]; !named {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// DNDSetting is one channel's do-not-disturb setting.
type DNDSetting struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
	Code    string `json:"code,omitempty"`
}

// CustomFieldValue is a contact's custom field value as the API returns it.
type CustomFieldValue struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

// Task is a stored task.
type Task struct {
	ID         string
	ContactID  string
	Title      string
	Body       string
	AssignedTo string
	DueDate    time.Time
	Completed  bool
	DateAdded  time.Time
}

// Note is a stored note.
type Note struct {
	ID        string
	ContactID string
	Body      string
	UserID    string
	Title     string
	Color     string
	Pinned    bool
	DateAdded time.Time
}

// contactOf turns a stored contact's snapshot into a Contact.
func contactOf(snap map[string]any) *Contact {
	raw, err := json.Marshal(snap)
	if err != nil {
		panic("ghltest: encoding stored state: " + err.Error())
	}
	c := &Contact{}
	if err := json.Unmarshal(raw, c); err != nil {
		panic("ghltest: decoding stored state: " + err.Error())
	}
	named := map[string]bool{}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Contact]()) {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			named[name] = true
		}
	}
	for k, v := range snap {
		if !named[k] {
			if c.Other == nil {
				c.Other = map[string]any{}
			}
			raw, _ := json.Marshal(v)
			var copied any
			_ = json.Unmarshal(raw, &copied)
			c.Other[k] = copied
		}
	}
	return c
}

// Contact returns a stored contact.
func (s *Server) Contact(locationID, contactID string) (*Contact, bool) {
	s.mu.Lock()
	l := s.locations[locationID]
	if l == nil || l.contacts[contactID] == nil {
		s.mu.Unlock()
		return nil, false
	}
	snap := l.contacts[contactID].snapshot()
	s.mu.Unlock()
	return contactOf(snap), true
}

// Contacts returns a location's contacts in the order they were created.
func (s *Server) Contacts(locationID string) []*Contact {
	snaps := s.contactSnapshots(locationID)
	out := make([]*Contact, 0, len(snaps))
	for _, snap := range snaps {
		out = append(out, contactOf(snap))
	}
	return out
}

// contactSnapshots returns a location's contacts as the API's JSON objects, in creation order.
func (s *Server) contactSnapshots(locationID string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.locations[locationID]
	if l == nil {
		return nil
	}
	snaps := make([]map[string]any, 0, len(l.order))
	for _, id := range l.order {
		snaps = append(snaps, l.contacts[id].snapshot())
	}
	return snaps
}

// ContactCount returns how many contacts a location holds.
func (s *Server) ContactCount(locationID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.locations[locationID]; l != nil {
		return len(l.contacts)
	}
	return 0
}

// Tasks returns a contact's tasks in creation order.
func (s *Server) Tasks(locationID, contactID string) []*Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Task
	if l := s.locations[locationID]; l != nil {
		for _, t := range l.tasks[contactID] {
			due, _ := time.Parse(time.RFC3339, t.dueDate)
			added, _ := time.Parse(time.RFC3339, t.dateAdded)
			out = append(out, &Task{ID: t.id, ContactID: t.contactID, Title: t.title, Body: t.body,
				AssignedTo: t.assignedTo, DueDate: due, Completed: t.completed, DateAdded: added})
		}
	}
	return out
}

// Notes returns a contact's notes in creation order.
func (s *Server) Notes(locationID, contactID string) []*Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Note
	if l := s.locations[locationID]; l != nil {
		for _, n := range l.notes[contactID] {
			added, _ := time.Parse(time.RFC3339, n.dateAdded)
			out = append(out, &Note{ID: n.id, ContactID: n.contactID, Body: n.body, UserID: n.userID,
				Title: n.title, Color: n.color, Pinned: n.pinned, DateAdded: added})
		}
	}
	return out
}

// Fields left out of StateDigest: generated IDs and timestamps, which differ between two runs
// that make the same changes.
func digestSkip(k string) bool {
	switch k {
	case "id", "locationId", "contactId", "dateAdded", "dateUpdated":
		return true
	}
	return false
}

// StateDigest returns a canonical text of a location's state: every contact, keyed by email
// (or phone, or name), with its fields, tags, followers, tasks, notes, appointments,
// campaigns and workflows. Generated IDs and timestamps are left out and lists are sorted, so
// two runs that made the same changes (say one with injected faults and retries and one
// without) give the same digest, and a duplicated contact or note shows up as a difference.
func (s *Server) StateDigest(locationID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.locations[locationID]
	if l == nil {
		return ""
	}
	canon := func(m map[string]any) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			if !digestSkip(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(k)
			b.WriteByte('=')
			switch v := m[k].(type) {
			case string:
				b.WriteString(strconv.Quote(v))
			case bool:
				b.WriteString(strconv.FormatBool(v))
			case []string:
				raw, _ := json.Marshal(slices.Sorted(slices.Values(v)))
				b.Write(raw)
			default:
				raw, _ := json.Marshal(v)
				b.Write(raw)
			}
		}
		return b.String()
	}
	sortedLines := func(prefix string, items []string) string {
		sort.Strings(items)
		var b strings.Builder
		for _, it := range items {
			b.WriteString("  " + prefix + " " + it + "\n")
		}
		return b.String()
	}
	blocks := make([]string, 0, len(l.contacts))
	for _, id := range l.order {
		c := l.contacts[id]
		key := "contact"
		switch {
		case c.str("emailLowerCase") != "":
			key = "email:" + c.str("emailLowerCase")
		case c.str("phone") != "":
			key = "phone:" + c.str("phone")
		case c.str("name") != "":
			key = "name:" + c.str("name")
		}
		var b strings.Builder
		b.WriteString(key + "\n  fields " + canon(c.f) + "\n")
		var items []string
		for _, t := range l.tasks[id] {
			items = append(items, canon(t.json()))
		}
		b.WriteString(sortedLines("task", items))
		items = items[:0]
		for _, n := range l.notes[id] {
			items = append(items, canon(n.json()))
		}
		b.WriteString(sortedLines("note", items))
		items = items[:0]
		for _, a := range l.appts[id] {
			items = append(items, canon(a.json()))
		}
		b.WriteString(sortedLines("appointment", items))
		items = items[:0]
		for camp := range l.campaigns[id] {
			items = append(items, camp)
		}
		b.WriteString(sortedLines("campaign", items))
		items = items[:0]
		for wf, start := range l.workflows[id] {
			items = append(items, wf+" eventStartTime="+start)
		}
		b.WriteString(sortedLines("workflow", items))
		blocks = append(blocks, b.String())
	}
	sort.Strings(blocks)
	return "location " + l.id + "\n" + strings.Join(blocks, "")
}
