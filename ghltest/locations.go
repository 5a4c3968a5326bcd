package ghltest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Locations: the location's details (GET /locations/{locationId}) and its tag catalogue.

// LocationDetails are what GET /locations/{locationId} reports about a location.
type LocationDetails struct {
	Name string
	// Timezone is an IANA name; the location's calendars keep their working hours in it.
	// Default DefaultTimezone.
	Timezone                         string
	Email, Phone, Website            string
	Address, City, State, PostalCode string
	// Country is an ISO 3166-1 alpha-2 code ("GB"): the location's one country, by which
	// its phone numbers are also read (as WithLocationCountry). Default DefaultCountry.
	Country string
}

// SetLocationDetails sets a location's details. An empty Timezone or Country keeps the
// current one.
func (s *Server) SetLocationDetails(locationID string, d LocationDetails) error {
	if d.Timezone != "" {
		if _, err := time.LoadLocation(d.Timezone); err != nil || d.Timezone == "Local" {
			return fmt.Errorf("ghltest: %q is not an IANA timezone", d.Timezone)
		}
	}
	if d.Country != "" && (len(d.Country) != 2 || strings.ToUpper(d.Country) != d.Country || strings.Trim(d.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return fmt.Errorf("ghltest: %q is not an ISO 3166-1 alpha-2 code", d.Country)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.locations[locationID]
	if !ok {
		return fmt.Errorf("ghltest: unknown location %q", locationID)
	}
	cl := s.calLocLocked(locationID)
	if d.Timezone == "" {
		d.Timezone = cl.details.Timezone
	}
	if d.Country != "" {
		l.country = d.Country
	}
	d.Country = "" // the location's own field holds it
	cl.details = d
	return nil
}

func (s *Server) getLocation(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	if !checkLocationID(w, l, r.PathValue("locationId")) {
		return
	}
	tok, _ := r.Context().Value(tokKey).(*accessToken)
	s.mu.Lock()
	d := s.calLocLocked(l.id).details
	d.Country = l.country
	s.mu.Unlock()
	business := map[string]any{"name": d.Name, "address": d.Address, "city": d.City, "state": d.State, "country": d.Country,
		"postalCode": d.PostalCode, "website": d.Website, "timezone": d.Timezone}
	writeJSON(w, http.StatusOK, map[string]any{"location": map[string]any{
		"id": l.id, "companyId": tok.companyID, "name": d.Name, "address": d.Address, "city": d.City, "state": d.State,
		"country": d.Country, "postalCode": d.PostalCode, "website": d.Website, "timezone": d.Timezone,
		"email": d.Email, "phone": d.Phone, "business": business, "social": map[string]any{},
		"settings": map[string]any{"allowDuplicateContact": s.cfg.allowDuplicates, "allowDuplicateOpportunity": false,
			"allowFacebookNameMerge": false, "disableContactTimezone": false},
		"reseller": map[string]any{},
	}, "traceId": newID()})
}

type tagDoc struct{ id, name string }

// catalogueLocked returns the location's tag catalogue: the tags created through the API and
// every tag on a contact (GHL adds a contact's new tags to the catalogue).
func (s *Server) catalogueLocked(l *location, cl *calLocation) []*tagDoc {
	for _, id := range l.order {
		for _, t := range contactStrings(l.contacts[id], "tags") {
			if !slices.ContainsFunc(cl.tags, func(d *tagDoc) bool { return d.name == t }) {
				cl.tags = append(cl.tags, &tagDoc{id: newID(), name: t})
			}
		}
	}
	return cl.tags
}

func (s *Server) listLocationTags(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	if !checkLocationID(w, l, r.PathValue("locationId")) {
		return
	}
	s.mu.Lock()
	tags := s.catalogueLocked(l, s.calLocLocked(l.id))
	list := make([]map[string]any, len(tags))
	for i, t := range tags {
		list[i] = map[string]any{"id": t.id, "name": t.name, "locationId": l.id}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"tags": list})
}

func (s *Server) createLocationTag(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	if !checkLocationID(w, l, r.PathValue("locationId")) {
		return
	}
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return
	}
	var msgs []string
	for k := range in {
		if k != "name" {
			msgs = append(msgs, "property "+k+" should not exist")
		}
	}
	if _, ok := in["name"].(string); !ok && in["name"] != nil {
		msgs = append(msgs, "name must be a string")
	}
	// Tags are stored as GHL stores a contact's tags: trimmed and lower-case.
	name := strings.ToLower(strings.TrimSpace(str(in, "name")))
	if name == "" {
		msgs = append(msgs, "name should not be empty")
	}
	if len(msgs) > 0 {
		slices.Sort(msgs)
		writeUnprocessable(w, msgs...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.calLocLocked(l.id)
	if slices.ContainsFunc(s.catalogueLocked(l, cl), func(d *tagDoc) bool { return d.name == name }) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Tag with this name already exists", "error": "Bad Request"})
		return
	}
	t := &tagDoc{id: newID(), name: name}
	cl.tags = append(cl.tags, t)
	writeJSON(w, http.StatusOK, map[string]any{"tag": map[string]any{"id": t.id, "name": t.name, "locationId": l.id}})
}
