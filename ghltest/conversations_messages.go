package ghltest

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Messages: call logs, inbound and sent messages, status updates, attachments, reading a
// conversation's messages and the location-wide export.

// messageTypeNames lists GHL's message types in the order of its numeric codes: the spec's
// enum order without TYPE_RCS, which gives its documented codes (1 call, 10 voicemail, 34
// custom call); past 34 the codes are extrapolated, and TYPE_RCS has none here (0).
var messageTypeNames = []string{"TYPE_CALL", "TYPE_SMS", "TYPE_EMAIL", "TYPE_SMS_REVIEW_REQUEST", "TYPE_WEBCHAT",
	"TYPE_SMS_NO_SHOW_REQUEST", "TYPE_CAMPAIGN_SMS", "TYPE_CAMPAIGN_CALL", "TYPE_CAMPAIGN_EMAIL", "TYPE_CAMPAIGN_VOICEMAIL",
	"TYPE_FACEBOOK", "TYPE_CAMPAIGN_FACEBOOK", "TYPE_CAMPAIGN_MANUAL_CALL", "TYPE_CAMPAIGN_MANUAL_SMS", "TYPE_GMB",
	"TYPE_CAMPAIGN_GMB", "TYPE_REVIEW", "TYPE_INSTAGRAM", "TYPE_WHATSAPP", "TYPE_CUSTOM_SMS", "TYPE_CUSTOM_EMAIL",
	"TYPE_CUSTOM_PROVIDER_SMS", "TYPE_CUSTOM_PROVIDER_EMAIL", "TYPE_IVR_CALL", "TYPE_ACTIVITY_CONTACT",
	"TYPE_ACTIVITY_INVOICE", "TYPE_ACTIVITY_PAYMENT", "TYPE_ACTIVITY_OPPORTUNITY", "TYPE_LIVE_CHAT",
	"TYPE_LIVE_CHAT_INFO_MESSAGE", "TYPE_ACTIVITY_APPOINTMENT", "TYPE_FACEBOOK_COMMENT", "TYPE_INSTAGRAM_COMMENT",
	"TYPE_CUSTOM_CALL", "TYPE_INTERNAL_COMMENT", "TYPE_ACTIVITY_EMPLOYEE_ACTION_LOG", "TYPE_TIKTOK", "TYPE_TIKTOK_COMMENT",
	"TYPE_ACTIVITY_WHATSAPP", "TYPE_FORM_SUBMISSION", "TYPE_SMS_REACTION"}

func messageTypeCode(name string) int { return slices.Index(messageTypeNames, name) + 1 }

// inboundTypes maps the type of an added message to the message type it is stored as.
var inboundTypes = map[string]string{
	"SMS": "TYPE_SMS", "RCS": "TYPE_RCS", "Email": "TYPE_EMAIL", "WhatsApp": "TYPE_WHATSAPP", "GMB": "TYPE_GMB",
	"IG": "TYPE_INSTAGRAM", "FB": "TYPE_FACEBOOK", "Custom": "TYPE_CUSTOM_SMS", "WebChat": "TYPE_WEBCHAT",
	"Live_Chat": "TYPE_LIVE_CHAT", "Call": "TYPE_CALL", "IVR_Call": "TYPE_IVR_CALL", "Campaign_Call": "TYPE_CAMPAIGN_CALL",
	"Campaign_VoiceMail": "TYPE_CAMPAIGN_VOICEMAIL", "TIKTOK": "TYPE_TIKTOK", "ALL_IN_ONE_CHAT": "TYPE_LIVE_CHAT",
	"FORM_SUBMISSION": "TYPE_FORM_SUBMISSION",
}

var sendTypes = map[string]string{
	"SMS": "TYPE_SMS", "RCS": "TYPE_RCS", "Email": "TYPE_EMAIL", "WhatsApp": "TYPE_WHATSAPP", "IG": "TYPE_INSTAGRAM",
	"FB": "TYPE_FACEBOOK", "Custom": "TYPE_CUSTOM_SMS", "Live_Chat": "TYPE_LIVE_CHAT", "TIKTOK": "TYPE_TIKTOK",
}

var callStatuses = []string{"pending", "completed", "answered", "busy", "no-answer", "failed", "canceled", "voicemail"}

// messageDoc is a stored message.
type messageDoc struct {
	id, conversationID, contactID, locationID string
	seq                                       int64
	messageType, subType                      string
	direction, status, body, contentType      string
	source, userID, providerID, altID         string
	attachments                               []string
	callStatus                                string
	callDuration                              *int
	from, to                                  string
	dateAdded, dateUpdated                    time.Time
	downstreamAt, scheduledAt                 time.Time
	statusError                               any
	recording                                 *Recording
	transcript                                []TranscriptSentence
}

func (m *messageDoc) isCall() bool {
	return m.messageType == "TYPE_CALL" || m.messageType == "TYPE_CUSTOM_CALL" || m.messageType == "TYPE_IVR_CALL"
}

// json is the message as GHL sends it (GetMessageResponseDto as observed): calls carry
// meta.call.{duration,status} and no attachments.
func (m *messageDoc) json() map[string]any {
	out := map[string]any{
		"id": m.id, "type": messageTypeCode(m.messageType), "messageType": m.messageType, "locationId": m.locationID,
		"contactId": m.contactID, "conversationId": m.conversationID, "dateAdded": convISO(m.dateAdded),
		"dateUpdated": convISO(m.dateUpdated), "direction": m.direction, "status": m.status, "contentType": m.contentType,
		"source": m.source,
	}
	if m.body != "" {
		out["body"] = m.body
	}
	if m.isCall() {
		call := map[string]any{}
		if m.callStatus != "" {
			call["status"] = m.callStatus
		}
		if m.callDuration != nil {
			call["duration"] = *m.callDuration
		}
		out["meta"] = map[string]any{"call": call}
	} else {
		out["attachments"] = append([]string{}, m.attachments...)
	}
	for k, v := range map[string]string{"userId": m.userID, "conversationProviderId": m.providerID, "altId": m.altID} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// storeMessageLocked adds m to conversation c.
func (s *Server) storeMessageLocked(c *conversationDoc, m *messageDoc) {
	cl := s.conv.locLocked(c.locationID)
	cl.seq++
	m.seq = cl.seq
	if m.id == "" {
		m.id = newID()
	}
	m.conversationID, m.contactID, m.locationID = c.id, c.contactID, c.locationID
	if m.dateUpdated.IsZero() {
		m.dateUpdated = m.dateAdded
	}
	if m.contentType == "" {
		m.contentType = "text/plain"
	}
	cl.msgs[m.id] = m
	c.msgIDs = append(c.msgIDs, m.id)
	if c.last == nil || !m.dateAdded.Before(c.last.dateAdded) {
		c.last = m
	}
	if m.direction == "inbound" {
		c.unread++
		c.inbox = true
	}
	c.dateUpdated = s.clock().UTC()
}

// addedJSON is ProcessMessageResponseDto.
func addedJSON(m *messageDoc) map[string]any {
	return map[string]any{"success": true, "conversationId": m.conversationID, "messageId": m.id, "message": "Message added successfully",
		"contactId": m.contactID, "dateAdded": convISO(m.dateAdded), "traceId": newID()}
}

// readMessageBody validates the common fields of the inbound and outbound bodies. It writes
// the 422 itself and returns nil when they fail.
func readMessageBody(w http.ResponseWriter, in map[string]any, allowed []string, types map[string]string) *messageDoc {
	msgs := convUnknown(in, allowed...)
	typ := convStr(in, "type")
	names := make([]string, 0, len(types))
	for k := range types {
		names = append(names, k)
	}
	sort.Strings(names)
	if _, ok := types[typ]; !ok {
		msgs = append(msgs, "type must be one of the following values: "+strings.Join(names, ", "))
	}
	if convStr(in, "contactId") == "" && convStr(in, "conversationId") == "" {
		msgs = append(msgs, "conversationId or contactId should not be empty")
	}
	m := &messageDoc{messageType: types[typ], source: "api"}
	if v, ok := in["attachments"]; ok {
		list, isList := v.([]any)
		for _, a := range list {
			sv, isStr := a.(string)
			isList = isList && isStr
			m.attachments = append(m.attachments, sv)
		}
		if !isList {
			msgs = append(msgs, "attachments must be an array of strings")
		}
	}
	if v, ok := in["call"]; ok {
		call, isObj := v.(map[string]any)
		if !isObj {
			msgs = append(msgs, "call must be an object")
		}
		m.from, m.to, m.callStatus = convStr(call, "from"), convStr(call, "to"), convStr(call, "status")
		// CallDataDTO has these three members only: GHL takes no duration for an external call
		// (#284).
		for _, msg := range convUnknown(call, "from", "to", "status") {
			msgs = append(msgs, "call."+msg)
		}
		if m.callStatus != "" && !slices.Contains(callStatuses, m.callStatus) {
			msgs = append(msgs, "call.status must be one of the following values: "+strings.Join(callStatuses, ", "))
		}
	}
	if d := convStr(in, "date"); d != "" {
		t, err := time.Parse(time.RFC3339Nano, d)
		if err != nil {
			msgs = append(msgs, "date must be a valid ISO 8601 date string")
		}
		m.dateAdded = t.UTC()
	}
	m.body, m.altID, m.providerID = convStr(in, "message"), convStr(in, "altId"), convStr(in, "conversationProviderId")
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return nil
	}
	return m
}

// addMessage stores a message of an inbound or outbound request after GHL's provider rules.
func (s *Server) addMessage(w http.ResponseWriter, in map[string]any, l *location, tok *accessToken, m *messageDoc) {
	if m.dateAdded.IsZero() {
		m.dateAdded = s.clock().UTC()
	}
	s.mu.Lock()
	if m.providerID == "" && (m.messageType == "TYPE_CALL" || m.messageType == "TYPE_CUSTOM_SMS") {
		s.mu.Unlock()
		// highlevel-api-docs#70: no provider ID for a provider-only type: a 201 with no body,
		// and nothing stored.
		w.WriteHeader(http.StatusCreated)
		return
	}
	if m.providerID != "" {
		want := map[string][]string{"TYPE_CALL": {ProviderCall}, "TYPE_SMS": {ProviderSMS}, "TYPE_EMAIL": {ProviderEmail}}[m.messageType]
		if !s.checkProviderLocked(w, tok, m.providerID, want...) {
			s.mu.Unlock()
			return
		}
	}
	c, msg := s.conversationForLocked(l, convStr(in, "contactId"), convStr(in, "conversationId"))
	if c == nil {
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": msg, "error": "Bad Request"})
		return
	}
	s.storeMessageLocked(c, m)
	body := addedJSON(m)
	events := s.messageEventsLocked(l, m)
	s.mu.Unlock()
	s.sendConvEvents(events)
	writeJSON(w, http.StatusOK, body)
}

var inboundFields = []string{"type", "attachments", "message", "conversationId", "contactId", "conversationProviderId", "html",
	"subject", "emailFrom", "emailTo", "emailCc", "emailBcc", "emailMessageId", "altId", "direction", "date", "call"}

// addInboundMessage serves POST /conversations/messages/inbound. The direction defaults to
// outbound, as GHL's does.
func (s *Server) addInboundMessage(w http.ResponseWriter, r *http.Request, l *location, tok *accessToken) {
	in, ok := convReadJSON(w, r)
	if !ok {
		return
	}
	m := readMessageBody(w, in, inboundFields, inboundTypes)
	if m == nil {
		return
	}
	m.direction = "outbound"
	if d, present := in["direction"]; present {
		if d != "inbound" && d != "outbound" {
			writeUnprocessable(w, "direction must be one of the following values: inbound, outbound")
			return
		}
		m.direction = d.(string)
	}
	if m.messageType == "TYPE_EMAIL" {
		m.body = convStr(in, "html")
		m.contentType = "text/html"
	}
	m.status = "delivered"
	if m.messageType == "TYPE_CALL" {
		m.subType = "EXTERNAL_CALL"
		m.status = callMessageStatus(m.direction, m.callStatus)
	}
	s.addMessage(w, in, l, tok, m)
}

// addOutboundCall serves POST /conversations/messages/outbound: external outbound calls only.
func (s *Server) addOutboundCall(w http.ResponseWriter, r *http.Request, l *location, tok *accessToken) {
	in, ok := convReadJSON(w, r)
	if !ok {
		return
	}
	m := readMessageBody(w, in, []string{"type", "attachments", "conversationId", "contactId", "conversationProviderId", "altId", "date", "call"},
		map[string]string{"Call": "TYPE_CALL"})
	if m == nil {
		return
	}
	m.direction, m.subType = "outbound", "EXTERNAL_CALL"
	m.status = callMessageStatus(m.direction, m.callStatus)
	s.addMessage(w, in, l, tok, m)
}

// callMessageStatus is a call message's status from its call status: GHL's call webhooks show
// "completed" for an answered call either way, "voicemail" for an inbound call that reached
// voicemail and "completed" for an outbound one.
func callMessageStatus(direction, callStatus string) string {
	switch {
	case callStatus == "":
		return "completed"
	case direction == "outbound" && (callStatus == "voicemail" || callStatus == "answered"):
		return "completed"
	case callStatus == "answered":
		return "completed"
	}
	return callStatus
}

var sendFields = []string{"type", "subType", "contactId", "appointmentId", "attachments", "emailFrom", "emailCc", "emailBcc",
	"html", "message", "subject", "replyMessageId", "templateId", "threadId", "scheduledTimestamp", "conversationProviderId",
	"emailTo", "customSubtypeId", "emailReplyMode", "fromNumber", "toNumber", "forward", "status", "usesNativeSchedulingAi",
	"optimizationPeriod"}

// sendMessage serves POST /conversations/messages. A text goes through the location's SMS
// provider, when it has one: the message stays pending, and its status update is refused
// until GHL has handed it to the provider.
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, l *location, tok *accessToken) {
	in, ok := convReadJSON(w, r)
	if !ok {
		return
	}
	msgs := convUnknown(in, sendFields...)
	typ := convStr(in, "type")
	if _, ok := sendTypes[typ]; !ok {
		msgs = append(msgs, "type must be one of the following values: SMS, RCS, Email, WhatsApp, IG, FB, Custom, Live_Chat, TIKTOK")
	}
	if convStr(in, "contactId") == "" {
		msgs = append(msgs, "contactId should not be empty")
	}
	var scheduled time.Time
	if v, present := in["scheduledTimestamp"]; present {
		f, isNum := v.(float64)
		if !isNum || f < 0 {
			msgs = append(msgs, "scheduledTimestamp must be a number")
		}
		scheduled = time.Unix(int64(f), 0).UTC()
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	now := s.clock().UTC()
	m := &messageDoc{messageType: sendTypes[typ], direction: "outbound", status: "pending", source: "api",
		body: convStr(in, "message"), providerID: convStr(in, "conversationProviderId"), dateAdded: now, to: convStr(in, "toNumber"),
		from: convStr(in, "fromNumber")}
	if list, ok := in["attachments"].([]any); ok {
		for _, a := range list {
			sv, _ := a.(string)
			m.attachments = append(m.attachments, sv)
		}
	}
	s.mu.Lock()
	contact := l.contacts[convStr(in, "contactId")]
	switch {
	case contact == nil:
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Contact not found", "error": "Bad Request"})
		return
	case typ == "SMS" && m.to == "" && contact.str("phone") == "":
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Contact does not have a phone number", "error": "Bad Request"})
		return
	case typ == "Custom" && m.providerID == "":
		s.mu.Unlock()
		w.WriteHeader(http.StatusCreated) // highlevel-api-docs#70, as for added messages
		return
	}
	if m.providerID != "" && !s.checkProviderLocked(w, tok, m.providerID) {
		s.mu.Unlock()
		return
	}
	if typ == "SMS" && m.providerID == "" {
		m.providerID = s.conv.smsProvider
	}
	if m.to == "" {
		m.to = contact.str("phone")
	}
	if m.providerID != "" {
		m.downstreamAt = now.Add(s.conv.statusDelay)
		if m.messageType == "TYPE_SMS" {
			// A text through a provider is a custom provider's SMS (#224).
			m.messageType = "TYPE_CUSTOM_PROVIDER_SMS"
		}
	}
	if scheduled.After(now) {
		m.status, m.scheduledAt = "scheduled", scheduled
	}
	c, _ := s.conversationForLocked(l, contact.id(), "")
	s.storeMessageLocked(c, m)
	body := map[string]any{"conversationId": c.id, "messageId": m.id, "msg": "Message queued successfully.", "status": "pending", "traceId": newID()}
	events := s.messageEventsLocked(l, m)
	s.mu.Unlock()
	s.sendConvEvents(events)
	writeJSON(w, http.StatusOK, body)
}

// messageLocked finds a message of the request's location.
func (s *Server) messageLocked(l *location, id string) *messageDoc {
	return s.conv.locLocked(l.id).msgs[id]
}

func messageNotFound(w http.ResponseWriter, status int) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": "Message not found", "error": http.StatusText(status)})
}

// updateMessageStatus serves PUT /conversations/messages/{messageId}/status, for the
// provider's app only, and only once GHL has handed the message to the provider.
func (s *Server) updateMessageStatus(w http.ResponseWriter, r *http.Request, l *location, tok *accessToken) {
	in, ok := convReadJSON(w, r)
	if !ok {
		return
	}
	msgs := convUnknown(in, "status", "error", "emailMessageId", "recipients")
	status := convStr(in, "status")
	if !slices.Contains([]string{"delivered", "failed", "pending", "read"}, status) {
		msgs = append(msgs, "status must be one of the following values: delivered, failed, pending, read")
	}
	if e, present := in["error"]; present {
		obj, isObj := e.(map[string]any)
		if !isObj || convStr(obj, "code") == "" || convStr(obj, "type") == "" || convStr(obj, "message") == "" {
			msgs = append(msgs, "error.code, error.type and error.message should not be empty")
		}
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	notYet := func() {
		// highlevel-api-docs#4: 403 until the message has been handed to the provider (and for
		// a message no provider handles).
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "No conversation provider found for this message", "error": "Forbidden"})
	}
	s.mu.Lock()
	m := s.messageLocked(l, r.PathValue("messageId"))
	var body map[string]any
	switch {
	case m == nil:
		s.mu.Unlock()
		messageNotFound(w, http.StatusBadRequest)
		return
	case m.providerID == "" || s.clock().Before(m.downstreamAt):
		s.mu.Unlock()
		notYet()
		return
	case tok.pit:
		s.mu.Unlock()
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "You don't have access to the conversationProvider with id: " + m.providerID, "error": "Forbidden"})
		return
	}
	m.status, m.statusError, m.dateUpdated = status, in["error"], s.clock().UTC()
	body = map[string]any{"conversationId": m.conversationID, "messageId": m.id, "status": m.status}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// maxMessageAttachments is how many URLs a message keeps.
const maxMessageAttachments = 5

// setMessageAttachments serves PUT /conversations/messages/{messageId}/attachments: it
// replaces the attachments of a call log.
func (s *Server) setMessageAttachments(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	in, ok := convReadJSON(w, r)
	if !ok {
		return
	}
	msgs := convUnknown(in, "attachments")
	list, isList := in["attachments"].([]any)
	var urls []string
	switch {
	case !isList:
		msgs = append(msgs, "attachments must be an array")
	case len(list) > maxMessageAttachments:
		msgs = append(msgs, "attachments must contain no more than 5 elements")
	}
	for _, v := range list {
		sv, _ := v.(string)
		if u, err := url.Parse(sv); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			msgs = append(msgs, "each value in attachments must be a URL address")
			break
		}
		urls = append(urls, sv)
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.mu.Lock()
	m := s.messageLocked(l, r.PathValue("messageId"))
	switch {
	case m == nil:
		s.mu.Unlock()
		messageNotFound(w, http.StatusNotFound)
		return
	case !(m.messageType == "TYPE_CALL" && m.subType == "EXTERNAL_CALL") && m.messageType != "TYPE_CUSTOM_CALL":
		s.mu.Unlock()
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "Message type does not support attachment updates", "error": "Forbidden"})
		return
	}
	m.attachments, m.dateUpdated = urls, s.clock().UTC()
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// cancelScheduledMessage serves DELETE /conversations/messages/{messageId}/schedule. Its
// failure is a 200 whose body says 404, as GHL's spec shows.
func (s *Server) cancelScheduledMessage(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	s.mu.Lock()
	m := s.messageLocked(l, r.PathValue("messageId"))
	ok := m != nil && m.status == "scheduled" && s.clock().Before(m.scheduledAt)
	if ok {
		m.status, m.dateUpdated = "cancelled", s.clock().UTC()
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"status": 404, "message": "Failed cancel the scheduled message"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": 200, "message": "Scheduled message cancelled"})
}

// getMessage serves GET /conversations/messages/{id}, wrapped as GHL sends it.
func (s *Server) getMessage(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	s.mu.Lock()
	m := s.messageLocked(l, r.PathValue("id"))
	var body map[string]any
	if m != nil {
		body = m.json()
	}
	s.mu.Unlock()
	if m == nil {
		messageNotFound(w, http.StatusBadRequest)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": body, "traceId": newID()})
}

// Limits of the messages of a conversation.
const (
	defaultMessageLimit = 20
	maxMessageLimit     = 100
)

// newestFirst orders messages by date, newest first.
func newestFirst(a, b *messageDoc) int {
	if c := b.dateAdded.Compare(a.dateAdded); c != 0 {
		return c
	}
	return int(b.seq - a.seq)
}

// listMessages serves GET /conversations/{conversationId}/messages, nested one level deeper
// than GHL's spec says (highlevel-api-docs#54). nextPage is true whenever the page is full,
// which is what the spec's description says.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	q := r.URL.Query()
	limit := defaultMessageLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMessageLimit {
			writeUnprocessable(w, "limit must not be greater than 100", "limit must not be less than 1")
			return
		}
		limit = n
	}
	var types []string
	if v := q.Get("type"); v != "" {
		types = strings.Split(v, ",")
	}
	s.mu.Lock()
	cl := s.conv.locLocked(l.id)
	c := cl.convs[r.PathValue("conversationId")]
	if c == nil {
		s.mu.Unlock()
		convNotFound(w)
		return
	}
	var all []*messageDoc
	for _, id := range c.msgIDs {
		if m := cl.msgs[id]; m != nil && (types == nil || slices.Contains(types, m.messageType)) {
			all = append(all, m)
		}
	}
	slices.SortFunc(all, newestFirst)
	if after := q.Get("lastMessageId"); after != "" {
		i := slices.IndexFunc(all, func(m *messageDoc) bool { return m.id == after })
		if i < 0 {
			s.mu.Unlock()
			messageNotFound(w, http.StatusBadRequest)
			return
		}
		all = all[i+1:]
	}
	page := all[:min(limit, len(all))]
	list := make([]map[string]any, 0, len(page))
	for _, m := range page {
		list = append(list, m.json())
	}
	s.mu.Unlock()
	inner := map[string]any{"nextPage": len(page) == limit, "messages": list, "lastMessageId": ""}
	if len(page) > 0 {
		inner["lastMessageId"] = page[len(page)-1].id
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": inner, "traceId": newID()})
}
