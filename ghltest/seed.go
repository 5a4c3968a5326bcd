package ghltest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The words seeded contacts are made of, as constants so no seeding can change them.
const (
	seedFirstNames = "Ava Ben Chloe Dan Ella Finn Grace Hugo Isla Jack Kara Liam Maya Noah Olive Paul Quinn Rosa " +
		"Sam Tara Uma Victor Wren Xavier Yara Zane Alex Peter Nina Omar"
	seedLastNames = "Adams Baker Clark Diaz Evans Fischer Garcia Hughes Ito Jones Khan Lopez Moore Nguyen Owens " +
		"Patel Quist Reyes Smith Turner Usman Vance Walker Young Zhang Peters Brown Silva"
	seedCityStates    = "Austin,TX Boston,MA Chicago,IL Denver,CO Miami,FL Portland,OR Seattle,WA Phoenix,AZ Atlanta,GA Omaha,NE"
	seedTagWords      = "lead customer vip newsletter prospect partner cold warm hot referral"
	seedCompanyNames  = "Acme Dental|Bright Plumbing|Cedar Realty|Delta Fitness|Evergreen Law"
	seedTaskTitleList = "Call back|Send quote|Follow up on voicemail|Confirm appointment|Check payment"
	seedNoteList      = "Asked for pricing.|Prefers text over calls.|Left a voicemail.|Interested in the annual plan.|Referred by a friend."
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func seedID(rng *rand.Rand) string {
	var b [20]byte
	for i := range b {
		b[i] = idAlphabet[rng.IntN(len(idAlphabet))]
	}
	return string(b[:])
}

// seedPhone returns the n-th seeded phone number: +1, an area code, the exchange 555 (whose
// numbers are not given to subscribers) and four digits, unique for millions of contacts.
func seedPhone(n int) string {
	area := 201 + n/10000%790
	if area%100 == 11 { // N11 codes are not area codes
		area++
	}
	return fmt.Sprintf("+1%03d555%04d", area, n%10000)
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
	startMs := max(l.lastSeed+1, now.UnixMilli()-int64(n))
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
	seedFirst, seedLast, seedTags := strings.Fields(seedFirstNames), strings.Fields(seedLastNames), strings.Fields(seedTagWords)
	seedCompanies := strings.Split(seedCompanyNames, "|")
	seedTaskTitles, seedNotes := strings.Split(seedTaskTitleList, "|"), strings.Split(seedNoteList, "|")
	var seedCities [][2]string
	for _, cs := range strings.Fields(seedCityStates) {
		city, state, _ := strings.Cut(cs, ",")
		seedCities = append(seedCities, [2]string{city, state})
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
		f["phone"] = seedPhone(l.seq)
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
		l.lastSeed = startMs + int64(n) - 1
		l.touch()
	}
	return ids
}
