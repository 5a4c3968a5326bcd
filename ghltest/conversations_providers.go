package ghltest

import (
	"net/http"
	"slices"
	"time"
)

// Conversation providers, and the scopes and Version of the Conversations routes. A provider
// belongs to a marketplace app: here the fake's own app, whose OAuth tokens the server issues
// (ProviderAppToken, or the /oauth/token flow). GHL accepts a conversationProviderId only
// with such a token; a Private Integration Token (a WithLocation or NewToken token) is
// refused.

// The fake's conversation providers, known to every server.
const (
	// DefaultCallProviderID is a Call provider: call logs through the inbound and outbound
	// message endpoints need it.
	DefaultCallProviderID = "ghltest-call-provider"
	// DefaultSMSProviderID is an SMS provider and, unless WithSMSProvider says otherwise, every
	// location's default SMS provider: texts sent from GHL go through it.
	DefaultSMSProviderID = "ghltest-sms-provider"
	// ConversationsAPIVersion is the Version header the Conversations routes require.
	ConversationsAPIVersion = "2021-04-15"
	// DefaultProviderStatusDelay is how long after a send GHL refuses the message's status
	// update with 403 "No conversation provider found for this message" (observed: 5 to 10 s).
	DefaultProviderStatusDelay = 10 * time.Second
)

// Provider types, as GHL's marketplace offers them.
const (
	ProviderCall   = "Call"
	ProviderSMS    = "SMS"
	ProviderEmail  = "Email"
	ProviderCustom = "Custom"
)

// The scopes of the Conversations API, as its spec's security sections name them.
const (
	ScopeConversationsReadonly        = "conversations.readonly"
	ScopeConversationsWrite           = "conversations.write"
	ScopeConversationMessagesReadonly = "conversations/message.readonly"
	ScopeConversationMessagesWrite    = "conversations/message.write"
)

// convConfig is what the ServerOptions of this file set.
type convConfig struct {
	providers   map[string]string // provider ID -> type, besides the defaults
	smsProvider *string           // nil: DefaultSMSProviderID
	statusDelay *time.Duration
	delivery    map[string]string // provider ID -> Delivery URL
}

// WithConversationProvider adds a provider of the fake's marketplace app: typ is ProviderCall,
// ProviderSMS, ProviderEmail or ProviderCustom.
func WithConversationProvider(id, typ string) ServerOption {
	return func(c *config) {
		if c.conv.providers == nil {
			c.conv.providers = map[string]string{}
		}
		c.conv.providers[id] = typ
	}
}

// WithSMSProvider makes the provider with id every location's default SMS provider; "" means
// none (GHL's own phone service sends texts, and no status update is accepted for them).
func WithSMSProvider(id string) ServerOption {
	return func(c *config) { c.conv.smsProvider = &id }
}

// WithProviderStatusDelay sets how long after a send GHL refuses the message's status update
// (default DefaultProviderStatusDelay); tests scale it down.
func WithProviderStatusDelay(d time.Duration) ServerOption {
	return func(c *config) { c.conv.statusDelay = &d }
}

// initConversations sets up the Conversations state from the server's configuration.
func (s *Server) initConversations() {
	st := &s.conv
	st.providers = map[string]string{DefaultCallProviderID: ProviderCall, DefaultSMSProviderID: ProviderSMS}
	for id, typ := range s.cfg.conv.providers {
		st.providers[id] = typ
	}
	st.smsProvider = DefaultSMSProviderID
	if p := s.cfg.conv.smsProvider; p != nil {
		st.smsProvider = *p
	}
	st.statusDelay = DefaultProviderStatusDelay
	if d := s.cfg.conv.statusDelay; d != nil {
		st.statusDelay = *d
	}
	st.delivery = map[string]string{}
	for id, url := range s.cfg.conv.delivery {
		st.delivery[id] = url
	}
	st.locs = map[string]*convLocation{}
	st.uploads = map[string][]byte{}
}

// ProviderAppToken returns a fresh OAuth access token for locationID (created if the server
// lacks it), issued to the fake's marketplace app, which owns the fake's conversation
// providers: the token call logs and provider status updates need.
func (s *Server) ProviderAppToken(locationID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocationLocked(locationID)
	body := s.issueLocked(&grant{locationID: locationID, companyID: DefaultCompanyID}, "Location")
	return body["access_token"].(string)
}

// convHandler is an operation of the Conversations API: it gets the request's location and
// token, which the router has checked (a location token with the operation's scope).
type convHandler func(http.ResponseWriter, *http.Request, *location, *accessToken)

// convServe adapts a Conversations operation to the route table.
func (s *Server) convServe(h convHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := r.Context().Value(tokKey).(*accessToken)
		h(w, r, locFrom(r), tok)
	}
}

// checkProvider applies GHL's provider rules to a message request that names providerID
// (want is the provider type the message needs). It writes GHL's answer and returns false
// when the request fails them.
func (s *Server) checkProviderLocked(w http.ResponseWriter, tok *accessToken, providerID string, want ...string) bool {
	if tok.pit {
		// highlevel-api-docs#106/#107: a PIT is refused for any provider ID.
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "You don't have access to the conversationProvider with id: " + providerID, "error": "Forbidden"})
		return false
	}
	typ, known := s.conv.providers[providerID]
	if !known {
		// highlevel-api-docs#6: an unknown provider ID gets a bare 500.
		writeJSON(w, http.StatusInternalServerError, map[string]any{"statusCode": 500, "message": "Internal server error"})
		return false
	}
	if len(want) > 0 && !slices.Contains(want, typ) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Invalid conversationProviderId", "error": "Bad Request"})
		return false
	}
	return true
}
