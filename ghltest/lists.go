package ghltest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/linkedphone/ghl-go/internal/e164"
)

// The contact lists besides search: the deprecated GET /contacts/ with its startAfter and
// startAfterId cursor, GET /contacts/business/{businessId} with skip and limit, and the
// duplicate lookup GET /contacts/search/duplicate.

// findDuplicateContact applies the location's duplicate rule to an email and a phone number
// written in any common way: the number is read by the location's country and compared in
// E.164, as GHL stores it. A number that cannot be read answers 422 (GHL's answer is not
// documented; the fake refuses rather than report no match).
func (s *Server) findDuplicateContact(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	email, number := q.Get("email"), q.Get("number")
	if email == "" && number == "" {
		writeUnprocessable(w, "email or number should not be empty")
		return
	}
	if number != "" {
		e164, err := e164.Normalize(number, l.country)
		if err != nil {
			writeUnprocessable(w, "number must be a valid phone number")
			return
		}
		number = e164
	}
	s.mu.Lock()
	c, _ := l.findDuplicate(email, number, "")
	var snap map[string]any
	if c != nil {
		snap = c.snapshot()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"contact": snap})
}

// listContacts pages in dateAdded order with the cursor pair startAfter (epoch ms) and
// startAfterId, returned in meta.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	var msgs []string
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			msgs = append(msgs, "limit must be a number")
		case n < 1:
			msgs = append(msgs, "limit must not be less than 1")
		case n > maxListLimit:
			msgs = append(msgs, "limit must not be greater than 100")
		}
		limit = n
	}
	var startAfter float64
	hasStartAfter := false
	if v := q.Get("startAfter"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			msgs = append(msgs, "startAfter must be a number")
		}
		startAfter, hasStartAfter = f, true
	}
	query := q.Get("query")
	if len(query) > maxQueryLen {
		msgs = append(msgs, "query must be shorter than or equal to 75 characters")
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	startAfterID := q.Get("startAfterId")
	specs := []sortSpec{{field: "dateAdded"}}
	s.mu.Lock()
	v := l.viewLocked("list\x00"+strings.ToLower(query), specs, func(c *contactDoc) bool { return matchesQuery(c, query) })
	start := 0
	switch {
	case hasStartAfter && startAfterID != "":
		start = v.after([]sval{{kind: 2, num: startAfter}}, startAfterID)
	case hasStartAfter: // everything added after that instant
		start = v.after([]sval{{kind: 2, num: startAfter}}, "\xff")
	case startAfterID != "":
		c, ok := l.contacts[startAfterID]
		if !ok {
			// Starting over would make a client's loop endless; say the cursor is bad.
			s.mu.Unlock()
			writeUnprocessable(w, "startAfterId does not name a contact; send startAfter with it")
			return
		}
		start = v.after([]sval{toSval("dateAdded", c.f["dateAdded"])}, startAfterID)
	}
	end := min(start+limit, len(v.rows))
	contacts := make([]map[string]any, 0, end-start)
	for _, row := range v.rows[start:end] {
		contacts = append(contacts, row.c.snapshot())
	}
	total := len(v.rows)
	// ContactsMetaSchema declares nextPage and nextPageUrl without null (prevPage is the only
	// nullable member), and GHL is not known to send null: on the last page the fake leaves
	// them out, so a client must stop on a missing cursor, not on a null.
	meta := map[string]any{"total": total, "currentPage": start/limit + 1, "prevPage": nil}
	if end > start {
		last := v.rows[end-1]
		meta["startAfterId"] = last.id
		meta["startAfter"] = last.keys[0].cursorValue()
		if end < len(v.rows) {
			meta["nextPage"] = start/limit + 2
			next := url.Values{"locationId": {l.id}, "limit": {strconv.Itoa(limit)}, "startAfterId": {last.id},
				"startAfter": {strconv.FormatInt(int64(last.keys[0].num), 10)}}
			if query != "" {
				next.Set("query", query)
			}
			meta["nextPageUrl"] = "http://" + r.Host + "/contacts/?" + next.Encode()
		}
	}
	if start/limit > 0 {
		meta["prevPage"] = start / limit
	}
	s.mu.Unlock()
	writeContactPage(w, contacts, map[string]any{"count": total, "meta": meta})
}

// listByBusiness pages with skip and limit, which GHL declares as strings, in dateAdded order.
func (s *Server) listByBusiness(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	var msgs []string
	num := func(key string, def, least int) int {
		v := q.Get(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			msgs = append(msgs, key+" must be a number string not less than "+strconv.Itoa(least))
		}
		return n
	}
	limit, skip := num("limit", 25, 1), num("skip", 0, 0)
	query := q.Get("query")
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	business := r.PathValue("businessId")
	s.mu.Lock()
	v := l.viewLocked("business\x00"+business+"\x00"+strings.ToLower(query), []sortSpec{{field: "dateAdded"}},
		func(c *contactDoc) bool { return c.str("businessId") == business && matchesQuery(c, query) })
	start := min(skip, len(v.rows))
	end := min(start+limit, len(v.rows))
	contacts := make([]map[string]any, 0, end-start)
	for _, row := range v.rows[start:end] {
		contacts = append(contacts, row.c.snapshot())
	}
	total := len(v.rows)
	s.mu.Unlock()
	writeContactPage(w, contacts, map[string]any{"count": total})
}
