package ghltest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The location-wide message export and its cursor.

// exportChannels are the message types each export channel covers; no channel covers every
// type but e-mail.
var exportChannels = map[string][]string{
	"Call":      {"TYPE_CALL", "TYPE_CUSTOM_CALL", "TYPE_IVR_CALL", "TYPE_CAMPAIGN_CALL", "TYPE_CAMPAIGN_VOICEMAIL", "TYPE_CAMPAIGN_MANUAL_CALL"},
	"SMS":       {"TYPE_SMS", "TYPE_CUSTOM_SMS", "TYPE_CUSTOM_PROVIDER_SMS", "TYPE_CAMPAIGN_SMS", "TYPE_CAMPAIGN_MANUAL_SMS"},
	"Email":     {"TYPE_EMAIL", "TYPE_CUSTOM_EMAIL", "TYPE_CUSTOM_PROVIDER_EMAIL", "TYPE_CAMPAIGN_EMAIL"},
	"WhatsApp":  {"TYPE_WHATSAPP"},
	"Instagram": {"TYPE_INSTAGRAM"},
	"Facebook":  {"TYPE_FACEBOOK"},
}

// exportCursor is the position after the last message of a page.
type exportCursor struct {
	Key int64 `json:"k"`
	Seq int64 `json:"s"`
}

// Limits of the export.
const (
	defaultExportLimit = 100
	minExportLimit     = 10
	maxExportLimit     = 500
)

// exportMessages serves GET /conversations/messages/export with its opaque cursor.
func (s *Server) exportMessages(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	var msgs []string
	limit := defaultExportLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < minExportLimit || n > maxExportLimit {
			msgs = append(msgs, "limit must not be greater than 500", "limit must not be less than 10")
		}
		limit = n
	}
	sortBy, order := q.Get("sortBy"), q.Get("sortOrder")
	if sortBy != "" && sortBy != "createdAt" && sortBy != "updatedAt" {
		msgs = append(msgs, "sortBy must be one of the following values: createdAt, updatedAt")
	}
	if order != "" && order != "asc" && order != "desc" {
		msgs = append(msgs, "sortOrder must be one of the following values: asc, desc")
	}
	channel := q.Get("channel")
	if _, ok := exportChannels[channel]; channel != "" && !ok {
		msgs = append(msgs, "channel must be one of the following values: Call, SMS, Email, WhatsApp, Instagram, Facebook")
	}
	var bounds [2]time.Time
	for i, name := range []string{"startDate", "endDate"} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				msgs = append(msgs, name+" must be a valid ISO 8601 date string")
			}
			bounds[i] = t
		}
	}
	var cur *exportCursor
	if v := q.Get("cursor"); v != "" {
		raw, err := base64.URLEncoding.DecodeString(v)
		cur = &exportCursor{}
		if err != nil || json.Unmarshal(raw, cur) != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Invalid cursor", "error": "Bad Request"})
			return
		}
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	key := func(m *messageDoc) int64 {
		if sortBy == "updatedAt" {
			return m.dateUpdated.UnixMilli()
		}
		return m.dateAdded.UnixMilli()
	}
	// before reports whether position (ka, sa) comes before (kb, sb) in the export's order.
	before := func(ka, sa, kb, sb int64) bool {
		if ka != kb {
			return (ka < kb) == (order == "asc")
		}
		return (sa < sb) == (order == "asc")
	}
	s.mu.Lock()
	var all []*messageDoc
	for _, m := range s.conv.locLocked(l.id).msgs {
		k := key(m)
		switch {
		case channel == "" && slices.Contains(exportChannels["Email"], m.messageType),
			channel != "" && !slices.Contains(exportChannels[channel], m.messageType),
			q.Get("contactId") != "" && m.contactID != q.Get("contactId"),
			q.Get("conversationId") != "" && m.conversationID != q.Get("conversationId"),
			!bounds[0].IsZero() && k < bounds[0].UnixMilli(),
			!bounds[1].IsZero() && k > bounds[1].UnixMilli():
			continue
		}
		all = append(all, m)
	}
	slices.SortFunc(all, func(a, b *messageDoc) int {
		if before(key(a), a.seq, key(b), b.seq) {
			return -1
		}
		return 1
	})
	total := len(all)
	if cur != nil {
		i := slices.IndexFunc(all, func(m *messageDoc) bool { return before(cur.Key, cur.Seq, key(m), m.seq) })
		if i < 0 {
			i = len(all)
		}
		all = all[i:]
	}
	page := all[:min(limit, len(all))]
	list := make([]map[string]any, 0, len(page))
	for _, m := range page {
		list = append(list, m.json())
	}
	var next any
	if len(all) > len(page) {
		last := page[len(page)-1]
		b, _ := json.Marshal(exportCursor{Key: key(last), Seq: last.seq})
		next = base64.URLEncoding.EncodeToString(b)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"messages": list, "nextCursor": next, "total": total, "traceId": newID()})
}
