package ghltest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The Conversations API of the fake: one conversation per contact, its messages (call logs,
// texts, e-mails), recordings and transcripts, the export cursor, and the conversation
// provider rules. FIDELITY.md gives the source of each behaviour.

// convState is guarded by Server.mu.
type convState struct {
	providers   map[string]string // provider ID -> type
	smsProvider string            // every location's default SMS provider ("" none)
	statusDelay time.Duration
	delivery    map[string]string // provider ID -> Delivery URL
	locs        map[string]*convLocation
	uploads     map[string][]byte // URL -> uploaded file
}

// convLocation holds one location's conversations and messages.
type convLocation struct {
	convs     map[string]*conversationDoc
	byContact map[string]*conversationDoc
	msgs      map[string]*messageDoc
	seq       int64
}

func (st *convState) locLocked(id string) *convLocation {
	cl := st.locs[id]
	if cl == nil {
		cl = &convLocation{convs: map[string]*conversationDoc{}, byContact: map[string]*conversationDoc{}, msgs: map[string]*messageDoc{}}
		st.locs[id] = cl
	}
	return cl
}

// conversationDoc is a stored conversation.
type conversationDoc struct {
	id, contactID, locationID string
	dateAdded, dateUpdated    time.Time
	unread                    int
	starred, inbox            bool
	feedback                  any
	msgIDs                    []string // oldest first
	last                      *messageDoc
}

// millis is a time as the epoch milliseconds GHL sends in conversation objects.
func millis(t time.Time) int64 { return t.UnixMilli() }

func convNotFound(w http.ResponseWriter) {
	// The spec documents 400 (not 404) for these operations.
	writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Conversation not found", "error": "Bad Request"})
}

// searchJSON is a conversation as search returns it (the spec's ConversationSchema).
func (c *conversationDoc) searchJSON(contact *contactDoc) map[string]any {
	out := map[string]any{
		"id": c.id, "contactId": c.contactID, "locationId": c.locationID, "type": "TYPE_PHONE", "unreadCount": c.unread,
		"lastMessageBody": "", "lastMessageType": "", "fullName": "", "contactName": "", "email": "", "phone": "",
		"dateAdded": millis(c.dateAdded), "dateUpdated": millis(c.dateUpdated), "starred": c.starred, "inbox": c.inbox,
	}
	if m := c.last; m != nil {
		out["lastMessageBody"], out["lastMessageType"] = m.body, m.messageType
		out["lastMessageDirection"], out["lastMessageDate"] = m.direction, millis(m.dateAdded)
	}
	if contact != nil {
		name := strings.TrimSpace(contact.str("firstName") + " " + contact.str("lastName"))
		out["fullName"], out["contactName"] = name, name
		out["email"], out["phone"] = contact.str("email"), contact.str("phone")
	}
	return out
}

// getJSON is a conversation as Get returns it (the spec's GetConversationByIdResponse): bare,
// with its type as a number.
func (c *conversationDoc) getJSON() map[string]any {
	out := map[string]any{
		"id": c.id, "contactId": c.contactID, "locationId": c.locationID, "deleted": false, "inbox": c.inbox, "type": 1,
		"unreadCount": c.unread, "starred": c.starred, "dateAdded": millis(c.dateAdded), "dateUpdated": millis(c.dateUpdated),
	}
	if m := c.last; m != nil {
		out["lastMessageBody"], out["lastMessageType"], out["lastMessageDate"] = m.body, m.messageType, millis(m.dateAdded)
	}
	return out
}

// dtoJSON is the ConversationDto of Update, whose lastMessageDate is epoch milliseconds in a
// string.
func (c *conversationDoc) dtoJSON() map[string]any {
	out := map[string]any{"id": c.id, "locationId": c.locationID, "contactId": c.contactID, "unreadCount": c.unread,
		"inbox": c.inbox, "starred": c.starred, "deleted": false}
	if m := c.last; m != nil {
		out["lastMessageBody"], out["lastMessageType"] = m.body, m.messageType
		out["lastMessageDate"] = strconv.FormatInt(millis(m.dateAdded), 10)
	}
	if c.feedback != nil {
		out["feedback"] = c.feedback
	}
	return out
}

// conversationForLocked finds the conversation a message names, by conversationId or by
// contactId (opening the contact's conversation if it has none). It returns GHL's error
// message when neither resolves.
func (s *Server) conversationForLocked(l *location, contactID, conversationID string) (*conversationDoc, string) {
	cl := s.conv.locLocked(l.id)
	if conversationID != "" {
		c := cl.convs[conversationID]
		switch {
		case c == nil:
			return nil, "Conversation not found"
		case contactID != "" && contactID != c.contactID:
			return nil, "The conversation does not belong to the contact"
		}
		return c, ""
	}
	if _, ok := l.contacts[contactID]; !ok {
		return nil, "Contact not found"
	}
	if c := cl.byContact[contactID]; c != nil {
		return c, ""
	}
	return s.openConversationLocked(l, contactID), ""
}

func (s *Server) openConversationLocked(l *location, contactID string) *conversationDoc {
	cl := s.conv.locLocked(l.id)
	now := s.clock().UTC()
	c := &conversationDoc{id: newID(), contactID: contactID, locationID: l.id, dateAdded: now, dateUpdated: now}
	cl.convs[c.id] = c
	cl.byContact[contactID] = c
	return c
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	in, ok := convReadJSON(w, r)
	if !ok {
		return
	}
	if msgs := convUnknown(in, "locationId", "contactId"); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	if convStr(in, "contactId") == "" {
		writeUnprocessable(w, "contactId should not be empty", "contactId must be a string")
		return
	}
	if !checkLocationID(w, l, convStr(in, "locationId")) {
		return
	}
	contactID := convStr(in, "contactId")
	s.mu.Lock()
	_, known := l.contacts[contactID]
	existing := s.conv.locLocked(l.id).byContact[contactID]
	var c *conversationDoc
	if known && existing == nil {
		c = s.openConversationLocked(l, contactID)
	}
	s.mu.Unlock()
	switch {
	case !known:
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Contact not found", "error": "Bad Request"})
	case existing != nil:
		// highlevel-api-docs#5: GHL answers 400 and does not say which conversation exists.
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Conversation with the contact id:" + contactID + " already exists!", "error": "Bad Request"})
	default:
		writeJSON(w, http.StatusCreated, map[string]any{"success": true, "conversation": map[string]any{
			"id": c.id, "dateUpdated": convISO(c.dateUpdated), "dateAdded": convISO(c.dateAdded), "deleted": false,
			"contactId": c.contactID, "locationId": c.locationID, "lastMessageDate": convISO(c.dateAdded),
		}})
	}
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	s.mu.Lock()
	c := s.conv.locLocked(l.id).convs[r.PathValue("conversationId")]
	var body map[string]any
	if c != nil {
		body = c.getJSON()
	}
	s.mu.Unlock()
	if c == nil {
		convNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) updateConversation(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	in, ok := convReadJSON(w, r)
	if !ok {
		return
	}
	msgs := convUnknown(in, "locationId", "unreadCount", "starred", "feedback")
	unread, hasUnread := in["unreadCount"]
	n, isNum := unread.(float64)
	if hasUnread && (!isNum || n < 0 || n != float64(int(n))) {
		msgs = append(msgs, "unreadCount must be a non-negative integer")
	}
	starred, hasStarred := in["starred"]
	if _, isBool := starred.(bool); hasStarred && !isBool {
		msgs = append(msgs, "starred must be a boolean value")
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	if !checkLocationID(w, l, convStr(in, "locationId")) {
		return
	}
	s.mu.Lock()
	c := s.conv.locLocked(l.id).convs[r.PathValue("conversationId")]
	var body map[string]any
	var events convEvents
	if c != nil {
		unread, star := c.unread, c.starred
		if hasUnread {
			c.unread = int(n)
		}
		if hasStarred {
			c.starred = starred.(bool)
		}
		if fb, ok := in["feedback"]; ok {
			c.feedback = fb
		}
		c.dateUpdated = s.clock().UTC()
		body = c.dtoJSON()
		if c.unread != unread || c.starred != star {
			events = s.unreadEventLocked(c)
		}
	}
	s.mu.Unlock()
	if c == nil {
		convNotFound(w)
		return
	}
	s.sendConvEvents(events)
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "conversation": body})
}

func (s *Server) deleteConversation(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	s.mu.Lock()
	cl := s.conv.locLocked(l.id)
	c := cl.convs[r.PathValue("conversationId")]
	if c != nil {
		for _, id := range c.msgIDs {
			delete(cl.msgs, id)
		}
		delete(cl.convs, c.id)
		delete(cl.byContact, c.contactID)
	}
	s.mu.Unlock()
	if c == nil {
		convNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
}

// Conversation search limits, as GHL documents them.
const (
	defaultConvSearchLimit = 20
	maxConvSearchLimit     = 100
)

func (s *Server) searchConversations(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	limit := defaultConvSearchLimit
	var msgs []string
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxConvSearchLimit {
			msgs = append(msgs, "limit must not be greater than 100", "limit must not be less than 1")
		}
		limit = n
	}
	var after int64
	if v := q.Get("startAfterDate"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			msgs = append(msgs, "startAfterDate must be a number")
		}
		after = n
	}
	status := q.Get("status")
	if status != "" && !slices.Contains([]string{"all", "read", "unread", "starred", "recents"}, status) {
		msgs = append(msgs, "status must be one of the following values: all, read, unread, starred, recents")
	}
	sortDir := q.Get("sort")
	if sortDir != "" && sortDir != "asc" && sortDir != "desc" {
		msgs = append(msgs, "sort must be one of the following values: asc, desc")
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	var start, end int64
	start, _ = strconv.ParseInt(q.Get("startDate"), 10, 64)
	end, _ = strconv.ParseInt(q.Get("endDate"), 10, 64)
	query := strings.ToLower(q.Get("query"))

	s.mu.Lock()
	cl := s.conv.locLocked(l.id)
	type hit struct {
		c   *conversationDoc
		key int64
	}
	var hits []hit
	for _, c := range cl.convs {
		contact := l.contacts[c.contactID]
		key := millis(c.dateAdded)
		if c.last != nil {
			key = millis(c.last.dateAdded)
		}
		switch {
		case q.Get("contactId") != "" && c.contactID != q.Get("contactId"),
			q.Get("id") != "" && c.id != q.Get("id"),
			status == "read" && c.unread > 0,
			status == "unread" && c.unread == 0,
			status == "starred" && !c.starred,
			q.Get("lastMessageType") != "" && (c.last == nil || c.last.messageType != q.Get("lastMessageType")),
			q.Get("lastMessageDirection") != "" && (c.last == nil || c.last.direction != q.Get("lastMessageDirection")),
			start > 0 && key < start,
			end > 0 && key > end,
			query != "" && !convMatches(contact, query):
			continue
		}
		hits = append(hits, hit{c, key})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].key != hits[j].key {
			if sortDir == "asc" {
				return hits[i].key < hits[j].key
			}
			return hits[i].key > hits[j].key
		}
		return hits[i].c.id < hits[j].c.id
	})
	total := len(hits)
	if after > 0 {
		i := sort.Search(len(hits), func(i int) bool {
			if sortDir == "asc" {
				return hits[i].key > after
			}
			return hits[i].key < after
		})
		hits = hits[i:]
	}
	list := []map[string]any{}
	for _, h := range hits[:min(limit, len(hits))] {
		list = append(list, h.c.searchJSON(l.contacts[h.c.contactID]))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"conversations": list, "total": total, "traceId": newID()})
}

// convMatches matches search's query against the contact's name, e-mail address and phone.
func convMatches(c *contactDoc, q string) bool {
	if c == nil {
		return false
	}
	name := strings.ToLower(c.str("firstName") + " " + c.str("lastName"))
	if strings.Contains(name, q) || strings.Contains(strings.ToLower(c.str("email")), q) {
		return true
	}
	digits := convDigits(q)
	return digits != "" && strings.Contains(convDigits(c.str("phone")), digits)
}

func convDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// convReadJSON reads a JSON object body, answering GHL's errors itself when it cannot.
func convReadJSON(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "request entity too large")
		return nil, false
	}
	var in map[string]any
	if err != nil || json.Unmarshal(raw, &in) != nil || in == nil {
		writeError(w, http.StatusBadRequest, "Unexpected token in JSON body")
		return nil, false
	}
	return in, true
}

// convUnknown lists the properties the operation does not accept, in the words of GHL's
// validator.
func convUnknown(in map[string]any, allowed ...string) []string {
	var msgs []string
	for k := range in {
		if !slices.Contains(allowed, k) {
			msgs = append(msgs, "property "+k+" should not exist")
		}
	}
	sort.Strings(msgs)
	return msgs
}

// Conversation returns the contact's conversation as GET /conversations/{id} returns it.
func (s *Server) Conversation(locationID, contactID string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conv.locLocked(locationID).byContact[contactID]
	if c == nil {
		return nil, false
	}
	return c.getJSON(), true
}

func convStr(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// convISO formats a time as GHL's ISO timestamps (milliseconds, UTC).
func convISO(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
