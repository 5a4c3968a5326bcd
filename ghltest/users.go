package ghltest

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Users: /users/search and /users/{userId}. Users belong to the company; each works in some
// locations.

// User describes a user to add with AddUser.
type User struct {
	FirstName, LastName, Email, Phone string
	// Extension is the user's phone extension ("" for none).
	Extension string
	// LCPhone maps a location ID to the user's LeadConnector phone number there.
	LCPhone map[string]string
	// LocationIDs are the locations the user works in; nil means the server's first location.
	LocationIDs []string
	// Role is "user" (the default) or "admin"; Type is "account" (the default) or "agency".
	Role, Type string
	// Deleted users are kept but not found by search.
	Deleted bool
}

type userDoc struct {
	id    string
	u     User
	added time.Time
}

// AddUser adds a user to the company and returns its ID.
func (s *Server) AddUser(u User) (string, error) {
	if u.LocationIDs == nil {
		u.LocationIDs = []string{s.LocationID()}
	}
	if u.Role == "" {
		u.Role = "user"
	}
	if u.Type == "" {
		u.Type = "account"
	}
	u.LocationIDs = slices.Clone(u.LocationIDs)
	u.LCPhone = maps.Clone(u.LCPhone)
	if strings.TrimSpace(u.FirstName+u.LastName) == "" {
		return "", errors.New("ghltest: a user needs a name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range u.LocationIDs {
		if _, ok := s.locations[id]; !ok {
			return "", fmt.Errorf("ghltest: unknown location %q", id)
		}
	}
	if s.cal.users == nil {
		s.cal.users = map[string]*userDoc{}
	}
	// Creation times one second apart keep "sort=dateAdded" deterministic.
	s.cal.seq++
	d := &userDoc{id: newID(), u: u, added: s.clock().Add(time.Duration(s.cal.seq) * time.Second)}
	s.cal.users[d.id] = d
	s.cal.userOrder = append(s.cal.userOrder, d.id)
	return d.id, nil
}

func (s *Server) userInLocationLocked(id, locationID string) bool {
	d := s.cal.users[id]
	return d != nil && !d.u.Deleted && slices.Contains(d.u.LocationIDs, locationID)
}

func (s *Server) userNameLocked(id string) string {
	if d := s.cal.users[id]; d != nil {
		return d.name()
	}
	return ""
}

func (d *userDoc) name() string { return strings.TrimSpace(d.u.FirstName + " " + d.u.LastName) }

func (d *userDoc) json() map[string]any {
	lc := map[string]string{}
	maps.Copy(lc, d.u.LCPhone)
	return map[string]any{
		"id": d.id, "name": d.name(), "firstName": d.u.FirstName, "lastName": d.u.LastName, "email": d.u.Email,
		"phone": d.u.Phone, "extension": d.u.Extension, "lcPhone": lc, "deleted": d.u.Deleted, "platformLanguage": "en_US",
		"permissions": map[string]any{"contactsEnabled": true, "appointmentsEnabled": true, "phoneCallEnabled": true},
		"roles":       map[string]any{"type": d.u.Type, "role": d.u.Role, "locationIds": slices.Clone(d.u.LocationIDs), "restrictSubAccount": false},
	}
}

// maxUsersPage is the fake's cap on limit: GHL documents none (the stricter reading).
const maxUsersPage = 100

func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) {
	tok, _ := r.Context().Value(tokKey).(*accessToken)
	q := r.URL.Query()
	var msgs []string
	skip, limit := 0, 25
	if v := q.Get("skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			msgs = append(msgs, "skip must be a number string")
		}
		skip = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 1:
			msgs = append(msgs, "limit must be a number string")
		case n > maxUsersPage:
			msgs = append(msgs, "limit must not be greater than 100")
		}
		limit = n
	}
	if q.Get("companyId") == "" {
		msgs = append(msgs, "companyId should not be empty")
	}
	if d := q.Get("sortDirection"); d != "" && d != "asc" && d != "desc" {
		msgs = append(msgs, "sortDirection must be one of the following values: asc, desc")
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	if q.Get("companyId") != tok.companyID {
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "The token does not have access to this company.", "error": "Forbidden"})
		return
	}
	loc := q.Get("locationId")
	if tok.locationID != "" {
		// A location token sees its own location's users only (tracker #230).
		if loc != "" && loc != tok.locationID {
			writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "The token does not have access to this location.", "error": "Forbidden"})
			return
		}
		loc = tok.locationID
	}
	var ids []string
	if v := q.Get("ids"); v != "" {
		ids = strings.Split(v, ",")
	}
	term := strings.ToLower(q.Get("query"))
	s.mu.Lock()
	var found []*userDoc
	for _, id := range s.cal.userOrder {
		d := s.cal.users[id]
		switch {
		case d.u.Deleted,
			loc != "" && !slices.Contains(d.u.LocationIDs, loc),
			ids != nil && !slices.Contains(ids, d.id),
			q.Get("type") != "" && q.Get("type") != d.u.Type,
			q.Get("role") != "" && q.Get("role") != d.u.Role,
			term != "" && !strings.Contains(strings.ToLower(d.name()+" "+d.u.Email+" "+d.u.Phone), term):
			continue
		}
		found = append(found, d)
	}
	slices.SortStableFunc(found, func(a, b *userDoc) int {
		if q.Get("sort") == "dateAdded" {
			return a.added.Compare(b.added)
		}
		return strings.Compare(strings.ToLower(a.name()), strings.ToLower(b.name()))
	})
	if q.Get("sortDirection") == "desc" {
		slices.Reverse(found)
	}
	page := []map[string]any{}
	for i := skip; i < len(found) && len(page) < limit; i++ {
		page = append(page, found[i].json())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"users": page, "count": len(found), "traceId": newID()})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	tok, _ := r.Context().Value(tokKey).(*accessToken)
	s.mu.Lock()
	d := s.cal.users[r.PathValue("userId")]
	visible := d != nil && (tok.locationID == "" || slices.Contains(d.u.LocationIDs, tok.locationID))
	var body map[string]any
	if visible {
		body = d.json()
	}
	s.mu.Unlock()
	if !visible {
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "User not found"})
		return
	}
	writeJSON(w, http.StatusOK, body)
}
