package ghltest

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	ghl "github.com/linkedphone/ghl-go"
)

// Inspection for tests: the state of a location as typed values of the SDK, so a test reads
// c.Phone rather than c["phone"].(string), and a digest that compares two runs.

// decodeAs turns a JSON-shaped value into the SDK type T, the way a client would decode it.
func decodeAs[T any](v any) *T {
	raw, err := json.Marshal(v)
	if err != nil {
		panic("ghltest: encoding stored state: " + err.Error())
	}
	out := new(T)
	if err := json.Unmarshal(raw, out); err != nil {
		panic("ghltest: decoding stored state: " + err.Error())
	}
	return out
}

// Contact returns a stored contact as the API returns it.
func (s *Server) Contact(locationID, contactID string) (*ghl.Contact, bool) {
	s.mu.Lock()
	l := s.locations[locationID]
	if l == nil || l.contacts[contactID] == nil {
		s.mu.Unlock()
		return nil, false
	}
	snap := l.contacts[contactID].snapshot()
	s.mu.Unlock()
	return decodeAs[ghl.Contact](snap), true
}

// Contacts returns a location's contacts as the API returns them, in the order they were
// created.
func (s *Server) Contacts(locationID string) []*ghl.Contact {
	s.mu.Lock()
	var snaps []map[string]any
	if l := s.locations[locationID]; l != nil {
		snaps = make([]map[string]any, 0, len(l.order))
		for _, id := range l.order {
			snaps = append(snaps, l.contacts[id].snapshot())
		}
	}
	s.mu.Unlock()
	out := make([]*ghl.Contact, 0, len(snaps))
	for _, snap := range snaps {
		out = append(out, decodeAs[ghl.Contact](snap))
	}
	return out
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

// Tasks returns a contact's tasks as the API returns them, in creation order.
func (s *Server) Tasks(locationID, contactID string) []*ghl.Task {
	s.mu.Lock()
	var items []map[string]any
	if l := s.locations[locationID]; l != nil {
		for _, t := range l.tasks[contactID] {
			items = append(items, t.json())
		}
	}
	s.mu.Unlock()
	out := make([]*ghl.Task, 0, len(items))
	for _, it := range items {
		out = append(out, decodeAs[ghl.Task](it))
	}
	return out
}

// Notes returns a contact's notes as the API returns them, in creation order.
func (s *Server) Notes(locationID, contactID string) []*ghl.Note {
	s.mu.Lock()
	var items []map[string]any
	if l := s.locations[locationID]; l != nil {
		for _, n := range l.notes[contactID] {
			items = append(items, n.json())
		}
	}
	s.mu.Unlock()
	out := make([]*ghl.Note, 0, len(items))
	for _, it := range items {
		out = append(out, decodeAs[ghl.Note](it))
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
