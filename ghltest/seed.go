package ghltest

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	seedFirst = []string{"Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack",
		"Kara", "Liam", "Maya", "Noah", "Olive", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor",
		"Wren", "Xavier", "Yara", "Zane", "Alex", "Peter", "Nina", "Omar"}
	seedLast = []string{"Adams", "Baker", "Clark", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito",
		"Jones", "Khan", "Lopez", "Moore", "Nguyen", "Owens", "Patel", "Quist", "Reyes", "Smith", "Turner",
		"Usman", "Vance", "Walker", "Young", "Zhang", "Peters", "Brown", "Silva"}
	seedCities = [][2]string{{"Austin", "TX"}, {"Boston", "MA"}, {"Chicago", "IL"}, {"Denver", "CO"},
		{"Miami", "FL"}, {"Portland", "OR"}, {"Seattle", "WA"}, {"Phoenix", "AZ"}, {"Atlanta", "GA"}, {"Omaha", "NE"}}
	seedTags       = []string{"lead", "customer", "vip", "newsletter", "prospect", "partner", "cold", "warm", "hot", "referral"}
	seedCompanies  = []string{"Acme Dental", "Bright Plumbing", "Cedar Realty", "Delta Fitness", "Evergreen Law"}
	seedTaskTitles = []string{"Call back", "Send quote", "Follow up on voicemail", "Confirm appointment", "Check payment"}
	seedNotes      = []string{"Asked for pricing.", "Prefers text over calls.", "Left a voicemail.", "Interested in the annual plan.", "Referred by a friend."}
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func seedID(rng *rand.Rand) string {
	var b [20]byte
	for i := range b {
		b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
	}
	return string(b[:])
}

// Seed adds n generated contacts to a location (creating the location if needed), each with
// a name, email, E.164 phone and tags, one or two tasks and a note, and every fifth an
// appointment. The same seed on the same state gives the same data. Seeding sends no
// webhooks. dateAdded values are distinct and increase in the order of the returned IDs.
func (s *Server) Seed(locationID string, n int, seed int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.addLocationLocked(locationID)
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(len(l.order))+0x9e3779b97f4a7c15))
	now := s.clock()
	startMs := max(l.more.lastSeed+1, now.UnixMilli()-int64(n))
	ids := make([]string, 0, n)
	l.order = slices.Grow(l.order, n)

	// Values stored in many contacts are boxed once: converting a string to any allocates,
	// and seeding 100,000 contacts is mostly allocation.
	box := func(list []string) []any {
		out := make([]any, len(list))
		for i, v := range list {
			out[i] = v
		}
		return out
	}
	nl := len(seedLast)
	var firstLower, lastLower, names, namesLower, taskBodies []string
	for _, f := range seedFirst {
		firstLower = append(firstLower, strings.ToLower(f))
		for _, la := range seedLast {
			names = append(names, f+" "+la)
			namesLower = append(namesLower, strings.ToLower(f+" "+la))
			taskBodies = append(taskBodies, "About "+f+" "+la)
		}
	}
	for _, la := range seedLast {
		lastLower = append(lastLower, strings.ToLower(la))
	}
	firstB, lastB, firstLowerB, lastLowerB := box(seedFirst), box(seedLast), box(firstLower), box(lastLower)
	namesB, namesLowerB, companiesB := box(names), box(namesLower), box(seedCompanies)
	citiesB, statesB := make([]any, len(seedCities)), make([]any, len(seedCities))
	for i, c := range seedCities {
		citiesB[i], statesB[i] = c[0], c[1]
	}
	locB, leadB, usB, sourceB, noFields := any(locationID), any("lead"), any("US"), any("ghltest seed"), any([]any{})

	for i := range n {
		id := seedID(rng)
		for l.contacts[id] != nil {
			id = seedID(rng)
		}
		l.seq++
		fi, li, ci := rng.IntN(len(seedFirst)), rng.IntN(nl), rng.IntN(len(seedCities))
		added := time.UnixMilli(startMs + int64(i)).UTC()
		addedStr := isoTimestamp(added)
		addedB := any(addedStr)
		emailB := any(firstLower[fi] + "." + lastLower[li] + "." + strconv.Itoa(l.seq) + "@example.com")
		name := names[fi*nl+li]
		tags := make([]string, 0, 3)
		for range 1 + rng.IntN(3) {
			if t := seedTags[rng.IntN(len(seedTags))]; !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		f := make(map[string]any, 24)
		f["id"], f["locationId"], f["type"] = id, locB, leadB
		f["dateAdded"], f["dateUpdated"] = addedB, addedB
		f["firstName"], f["lastName"], f["name"] = firstB[fi], lastB[li], namesB[fi*nl+li]
		f["firstNameLowerCase"], f["lastNameLowerCase"], f["fullNameLowerCase"] = firstLowerB[fi], lastLowerB[li], namesLowerB[fi*nl+li]
		f["email"], f["emailLowerCase"] = emailB, emailB
		f["phone"] = "+1555" + strconv.Itoa(1000000+l.seq%9000000)
		f["tags"], f["customFields"], f["dnd"] = tags, noFields, rng.IntN(10) == 0
		f["city"], f["state"], f["country"], f["source"] = citiesB[ci], statesB[ci], usB, sourceB
		if rng.IntN(3) == 0 {
			f["companyName"] = companiesB[rng.IntN(len(companiesB))]
		}
		l.contacts[id] = &contactDoc{f: f}
		l.order = append(l.order, id)
		ids = append(ids, id)

		for range 1 + rng.IntN(2) {
			l.tasks[id] = append(l.tasks[id], &taskDoc{
				id: seedID(rng), contactID: id, dateAdded: addedStr,
				title:     seedTaskTitles[rng.IntN(len(seedTaskTitles))],
				body:      taskBodies[fi*nl+li],
				dueDate:   isoTimestamp(added.Add(time.Duration(1+rng.IntN(30)) * 24 * time.Hour)),
				completed: rng.IntN(3) == 0,
			})
		}
		l.notes[id] = append(l.notes[id], &noteDoc{id: seedID(rng), contactID: id, dateAdded: addedStr,
			body: seedNotes[rng.IntN(len(seedNotes))]})
		if i%5 == 4 {
			start := added.Add(time.Duration(24+rng.IntN(24*14)) * time.Hour).Truncate(30 * time.Minute)
			l.appts[id] = append(l.appts[id], &appointmentDoc{id: seedID(rng), contactID: id, loc: locationID, added: added,
				a: Appointment{CalendarID: "cal-seed-1", Title: "Consultation with " + name, Status: "booked",
					AppointmentStatus: "confirmed", Users: []string{}, StartTime: start, EndTime: start.Add(30 * time.Minute)}})
		}
	}
	if n > 0 {
		l.more.lastSeed = startMs + int64(n) - 1
		l.touch()
	}
	return ids
}

// ---- inspection for tests ----

// deepCopy copies JSON-shaped values so callers cannot reach the server's state.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopy(x)
		}
		return out
	case []string:
		return slices.Clone(v)
	}
	return v
}

// Contact returns a copy of a stored contact as the API would return it.
func (s *Server) Contact(locationID, contactID string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.locations[locationID]
	if l == nil || l.contacts[contactID] == nil {
		return nil, false
	}
	return deepCopy(l.contacts[contactID].f).(map[string]any), true
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

// Tasks returns copies of a contact's tasks as the API returns them, in creation order.
func (s *Server) Tasks(locationID, contactID string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	if l := s.locations[locationID]; l != nil {
		for _, t := range l.tasks[contactID] {
			out = append(out, t.json())
		}
	}
	return out
}

// Notes returns copies of a contact's notes as the API returns them, in creation order.
func (s *Server) Notes(locationID, contactID string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	if l := s.locations[locationID]; l != nil {
		for _, n := range l.notes[contactID] {
			out = append(out, n.json())
		}
	}
	return out
}

// Fields left out of StateDigest: generated IDs and timestamps, which differ between two runs
// that make the same changes.
var digestSkip = map[string]bool{"id": true, "locationId": true, "contactId": true, "dateAdded": true, "dateUpdated": true}

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
			if !digestSkip[k] {
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
		for camp := range l.more.campaigns[id] {
			items = append(items, camp)
		}
		b.WriteString(sortedLines("campaign", items))
		items = items[:0]
		for wf, start := range l.more.workflows[id] {
			items = append(items, wf+" eventStartTime="+start)
		}
		b.WriteString(sortedLines("workflow", items))
		blocks = append(blocks, b.String())
	}
	sort.Strings(blocks)
	return "location " + l.id + "\n" + strings.Join(blocks, "")
}
