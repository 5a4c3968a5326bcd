package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-querystring/query"
	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// ContactsService reaches the /contacts endpoints.
type ContactsService service

// Contact is a GHL contact. One type serves every endpoint: the schemas of the single-contact,
// create, search and list responses differ only in which fields they list, and the server
// sends more than any of them lists. Fields the type does not name are kept in Extra.
type Contact struct {
	ID                    string             `json:"id,omitempty"`
	LocationID            string             `json:"locationId,omitempty"`
	Name                  string             `json:"name,omitempty"`
	FirstName             string             `json:"firstName,omitempty"`
	LastName              string             `json:"lastName,omitempty"`
	FirstNameLowerCase    string             `json:"firstNameLowerCase,omitempty"`
	LastNameLowerCase     string             `json:"lastNameLowerCase,omitempty"`
	FullNameLowerCase     string             `json:"fullNameLowerCase,omitempty"`
	Email                 string             `json:"email,omitempty"`
	EmailLowerCase        string             `json:"emailLowerCase,omitempty"`
	Phone                 string             `json:"phone,omitempty"`
	CompanyName           string             `json:"companyName,omitempty"`
	Timezone              string             `json:"timezone,omitempty"`
	DND                   bool               `json:"dnd,omitempty"`
	DNDSettings           *DNDSettings       `json:"dndSettings,omitempty"`
	Type                  string             `json:"type,omitempty"`
	Source                string             `json:"source,omitempty"`
	AssignedTo            string             `json:"assignedTo,omitempty"`
	Address1              string             `json:"address1,omitempty"`
	City                  string             `json:"city,omitempty"`
	State                 string             `json:"state,omitempty"`
	Country               string             `json:"country,omitempty"`
	PostalCode            string             `json:"postalCode,omitempty"`
	Website               string             `json:"website,omitempty"`
	Tags                  []string           `json:"tags,omitempty"`
	DateOfBirth           string             `json:"dateOfBirth,omitempty"`
	DateAdded             *Time              `json:"dateAdded,omitempty"`
	DateUpdated           *Time              `json:"dateUpdated,omitempty"`
	Attachments           json.RawMessage    `json:"attachments,omitempty"` // a string on contacts, an array in webhooks
	SSN                   string             `json:"ssn,omitempty"`
	Keyword               string             `json:"keyword,omitempty"`
	LastActivity          json.RawMessage    `json:"lastActivity,omitempty"`
	CustomFields          []CustomFieldValue `json:"customFields,omitempty"`
	BusinessID            string             `json:"businessId,omitempty"`
	AttributionSource     *AttributionSource `json:"attributionSource,omitempty"`
	LastAttributionSource *AttributionSource `json:"lastAttributionSource,omitempty"`
	VisitorID             string             `json:"visitorId,omitempty"`
	Deleted               bool               `json:"deleted,omitempty"`
	BounceEmail           bool               `json:"bounceEmail,omitempty"`
	UnsubscribeEmail      bool               `json:"unsubscribeEmail,omitempty"`
	BirthMonth            *int               `json:"birthMonth,omitempty"`
	BirthDay              *int               `json:"birthDay,omitempty"`
	LastSessionActivityAt json.RawMessage    `json:"lastSessionActivityAt,omitempty"`
	Followers             json.RawMessage    `json:"followers,omitempty"` // a list of user IDs, or one ID
	AdditionalEmails      json.RawMessage    `json:"additionalEmails,omitempty"`
	AdditionalPhones      json.RawMessage    `json:"additionalPhones,omitempty"`
	// SearchAfter is the search cursor of this contact, kept byte for byte (a mix of numbers
	// and strings) so it can be sent back unchanged.
	SearchAfter json.RawMessage `json:"searchAfter,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var contactFields = jsonx.FieldsOf[Contact]()

// UnmarshalJSON decodes a contact and keeps the fields it does not name in Extra.
func (c *Contact) UnmarshalJSON(data []byte) error {
	type plain Contact
	return decodeWithExtra(data, (*plain)(c), contactFields, &c.Extra)
}

// MarshalJSON encodes the contact with its Extra fields, so a decoded contact re-encodes to
// what the API sent.
func (c Contact) MarshalJSON() ([]byte, error) {
	type plain Contact
	return encodeWithExtra(plain(c), contactFields, c.Extra, nil)
}

// CustomField returns the custom field with the given ID.
func (c *Contact) CustomField(id string) (CustomFieldValue, bool) {
	for _, f := range c.CustomFields {
		if f.ID == id {
			return f, true
		}
	}
	return CustomFieldValue{}, false
}

// DNDSettings holds the per-channel do-not-disturb settings.
type DNDSettings struct {
	Call     *DNDChannel `json:"Call,omitempty"`
	Email    *DNDChannel `json:"Email,omitempty"`
	SMS      *DNDChannel `json:"SMS,omitempty"`
	WhatsApp *DNDChannel `json:"WhatsApp,omitempty"`
	GMB      *DNDChannel `json:"GMB,omitempty"`
	FB       *DNDChannel `json:"FB,omitempty"`
}

// DNDChannel is one channel's do-not-disturb state.
type DNDChannel struct {
	Status  string `json:"status"` // "active", "inactive" or "permanent"
	Message string `json:"message,omitempty"`
	Code    string `json:"code,omitempty"`
}

// InboundDNDSettings blocks inbound messages on all channels.
type InboundDNDSettings struct {
	All *InboundDNDChannel `json:"all,omitempty"`
}

// InboundDNDChannel is the inbound do-not-disturb state.
type InboundDNDChannel struct {
	Status  string `json:"status"` // "active" or "inactive"
	Message string `json:"message,omitempty"`
}

// AttributionSource says where a contact came from.
type AttributionSource struct {
	URL        string `json:"url"`
	Campaign   string `json:"campaign,omitempty"`
	UTMSource  string `json:"utmSource,omitempty"`
	UTMMedium  string `json:"utmMedium,omitempty"`
	UTMContent string `json:"utmContent,omitempty"`
	Referrer   string `json:"referrer,omitempty"`
	CampaignID string `json:"campaignId,omitempty"`
	FBCLID     string `json:"fbclid,omitempty"`
	GCLID      string `json:"gclid,omitempty"`
	MSCLKID    string `json:"msclikid,omitempty"` // sic: GHL's spelling
	DCLID      string `json:"dclid,omitempty"`
	FBC        string `json:"fbc,omitempty"`
	FBP        string `json:"fbp,omitempty"`
	FBEventID  string `json:"fbEventId,omitempty"`
	UserAgent  string `json:"userAgent,omitempty"`
	IP         string `json:"ip,omitempty"`
	Medium     string `json:"medium,omitempty"`
	MediumID   string `json:"mediumId,omitempty"`
}

// ContactCreateRequest is the body of Create. Empty fields are not sent; to send an explicit
// null, list the field's JSON name in Null.
type ContactCreateRequest struct {
	// LocationID defaults to the client's location.
	LocationID         string              `json:"locationId"`
	FirstName          string              `json:"firstName,omitempty"`
	LastName           string              `json:"lastName,omitempty"`
	Name               string              `json:"name,omitempty"`
	Email              string              `json:"email,omitempty"`
	Gender             string              `json:"gender,omitempty"`
	Phone              string              `json:"phone,omitempty"`
	Address1           string              `json:"address1,omitempty"`
	City               string              `json:"city,omitempty"`
	State              string              `json:"state,omitempty"`
	PostalCode         string              `json:"postalCode,omitempty"`
	Website            string              `json:"website,omitempty"`
	Timezone           string              `json:"timezone,omitempty"`
	DND                *bool               `json:"dnd,omitempty"`
	DNDSettings        *DNDSettings        `json:"dndSettings,omitempty"`
	InboundDNDSettings *InboundDNDSettings `json:"inboundDndSettings,omitempty"`
	Tags               []string            `json:"tags,omitempty"`
	CustomFields       []CustomFieldInput  `json:"customFields,omitempty"`
	Source             string              `json:"source,omitempty"`
	DateOfBirth        string              `json:"dateOfBirth,omitempty"` // YYYY-MM-DD
	Country            string              `json:"country,omitempty"`
	CompanyName        string              `json:"companyName,omitempty"`
	AssignedTo         string              `json:"assignedTo,omitempty"`

	// Null lists JSON field names to send as null.
	Null []string `json:"-"`
	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

var contactCreateFields = jsonx.FieldsOf[ContactCreateRequest]()

// MarshalJSON encodes the request with its Null and Extra fields.
func (r ContactCreateRequest) MarshalJSON() ([]byte, error) {
	type plain ContactCreateRequest
	return encodeWithExtra(plain(r), contactCreateFields, r.Extra, r.Null)
}

// ContactUpsertRequest is the body of Upsert: a create request plus the duplicate switch.
// Tags, if given, replace the contact's whole tag list; use Tags.Add to add some.
type ContactUpsertRequest struct {
	LocationID         string              `json:"locationId"`
	FirstName          string              `json:"firstName,omitempty"`
	LastName           string              `json:"lastName,omitempty"`
	Name               string              `json:"name,omitempty"`
	Email              string              `json:"email,omitempty"`
	Gender             string              `json:"gender,omitempty"`
	Phone              string              `json:"phone,omitempty"`
	Address1           string              `json:"address1,omitempty"`
	City               string              `json:"city,omitempty"`
	State              string              `json:"state,omitempty"`
	PostalCode         string              `json:"postalCode,omitempty"`
	Website            string              `json:"website,omitempty"`
	Timezone           string              `json:"timezone,omitempty"`
	DND                *bool               `json:"dnd,omitempty"`
	DNDSettings        *DNDSettings        `json:"dndSettings,omitempty"`
	InboundDNDSettings *InboundDNDSettings `json:"inboundDndSettings,omitempty"`
	Tags               []string            `json:"tags,omitempty"`
	CustomFields       []CustomFieldInput  `json:"customFields,omitempty"`
	Source             string              `json:"source,omitempty"`
	DateOfBirth        string              `json:"dateOfBirth,omitempty"`
	Country            string              `json:"country,omitempty"`
	CompanyName        string              `json:"companyName,omitempty"`
	AssignedTo         string              `json:"assignedTo,omitempty"`
	// CreateNewIfDuplicateAllowed creates a new contact at once when the location allows
	// duplicates. Such an upsert is not retried after a 5xx, since it may have created one.
	CreateNewIfDuplicateAllowed bool `json:"createNewIfDuplicateAllowed,omitempty"`

	Null  []string `json:"-"`
	Extra Extra    `json:"-"`
}

var contactUpsertFields = jsonx.FieldsOf[ContactUpsertRequest]()

// MarshalJSON encodes the request with its Null and Extra fields.
func (r ContactUpsertRequest) MarshalJSON() ([]byte, error) {
	type plain ContactUpsertRequest
	return encodeWithExtra(plain(r), contactUpsertFields, r.Extra, r.Null)
}

// ContactUpdateRequest is the body of Update. GHL's update takes no locationId, gender or
// companyName. Tags, if non-nil, replace the whole list (an empty non-nil slice clears it).
type ContactUpdateRequest struct {
	FirstName          string              `json:"firstName,omitempty"`
	LastName           string              `json:"lastName,omitempty"`
	Name               string              `json:"name,omitempty"`
	Email              string              `json:"email,omitempty"`
	Phone              string              `json:"phone,omitempty"`
	Address1           string              `json:"address1,omitempty"`
	City               string              `json:"city,omitempty"`
	State              string              `json:"state,omitempty"`
	PostalCode         string              `json:"postalCode,omitempty"`
	Website            string              `json:"website,omitempty"`
	Timezone           string              `json:"timezone,omitempty"`
	DND                *bool               `json:"dnd,omitempty"`
	DNDSettings        *DNDSettings        `json:"dndSettings,omitempty"`
	InboundDNDSettings *InboundDNDSettings `json:"inboundDndSettings,omitempty"`
	Tags               []string            `json:"tags,omitempty"`
	CustomFields       []CustomFieldInput  `json:"customFields,omitempty"`
	Source             string              `json:"source,omitempty"`
	DateOfBirth        string              `json:"dateOfBirth,omitempty"`
	Country            string              `json:"country,omitempty"`
	AssignedTo         string              `json:"assignedTo,omitempty"`

	Null  []string `json:"-"`
	Extra Extra    `json:"-"`
}

var contactUpdateFields = jsonx.FieldsOf[ContactUpdateRequest]()

// MarshalJSON encodes the request with its Null and Extra fields; a non-nil empty Tags is
// sent as [] so it clears the list.
func (r ContactUpdateRequest) MarshalJSON() ([]byte, error) {
	type plain ContactUpdateRequest
	b, err := encodeWithExtra(plain(r), contactUpdateFields, r.Extra, r.Null)
	if err != nil || r.Tags == nil || len(r.Tags) > 0 {
		return b, err
	}
	return jsonx.AppendMembers(b, map[string]json.RawMessage{"tags": json.RawMessage("[]")}, nil)
}

// UpsertResult is the outcome of Upsert.
type UpsertResult struct {
	Contact *Contact `json:"contact"`
	// New reports whether the upsert created the contact (false: it updated one).
	New     bool   `json:"new"`
	TraceID string `json:"traceId,omitempty"`
}

type contactEnvelope struct {
	Contact *Contact `json:"contact"`
}

// contactOf picks the contact out of its envelope, for fetch.
func contactOf(e *contactEnvelope) *Contact { return e.Contact }

// decodeResponse decodes the envelope with a single validating pass: the contact is decoded as
// a plain struct, and its unknown fields are then picked out by a scan (see responseDecoder).
func (e *contactEnvelope) decodeResponse(data []byte) error {
	type plainContact Contact
	var env struct {
		Contact *plainContact `json:"contact"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return err
	}
	e.Contact = (*Contact)(env.Contact)
	if e.Contact == nil {
		return nil
	}
	raw, err := jsonx.MemberStart(data, "contact")
	if err != nil {
		return err
	}
	e.Contact.Extra, err = jsonx.Unknown(raw, contactFields)
	return err
}

// Get fetches one contact.
func (s *ContactsService) Get(ctx context.Context, contactID string) (*Contact, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/" + ids[0], route: "/contacts/{contactId}"}, contactOf)
}

// Create creates a contact (POST /contacts/). A create that fails with a 5xx or a broken
// connection is not resent, because GHL might have created it; use Upsert for a retry-safe
// write.
func (s *ContactsService) Create(ctx context.Context, req *ContactCreateRequest) (*Contact, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	body := *req
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	if err := checkID("req.LocationID", body.LocationID); err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/contacts/", route: "/contacts/", body: body}, contactOf)
}

// Update changes a contact. Only the fields set in req are sent.
func (s *ContactsService) Update(ctx context.Context, contactID string, req *ContactUpdateRequest) (*Contact, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	return fetch(ctx, s.client, &request{method: http.MethodPut, path: "/contacts/" + ids[0], route: "/contacts/{contactId}", body: req}, contactOf)
}

// Delete deletes a contact.
func (s *ContactsService) Delete(ctx context.Context, contactID string) (*Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, err
	}
	return s.client.do(ctx, &request{method: http.MethodDelete, path: "/contacts/" + ids[0], route: "/contacts/{contactId}"}, nil)
}

// Upsert creates the contact or updates the one that matches it by the location's duplicate
// rule (email, then phone, in the order the location's settings give). UpsertResult.New says
// which happened. An upsert is retried after a 5xx, since resending it matches the contact it
// created, unless CreateNewIfDuplicateAllowed is set.
func (s *ContactsService) Upsert(ctx context.Context, req *ContactUpsertRequest) (*UpsertResult, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	body := *req
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	if err := checkID("req.LocationID", body.LocationID); err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/contacts/upsert", route: "/contacts/upsert", body: body,
		idempotent: !body.CreateNewIfDuplicateAllowed}, self[UpsertResult])
}

// ----------------------------------------------------------------------------------------
// Search, duplicates, listing, followers, campaigns, workflows and bulk business.

// Search paging limits.
const (
	// DefaultSearchPageLimit is the page size Search asks for when the request names none
	// (the API requires one).
	DefaultSearchPageLimit = 20
	// MaxSearchPageLimit is the largest page the search endpoint serves; SearchAll uses it.
	MaxSearchPageLimit = 500
	// MaxSearchPageDepth is how many results page/pageLimit paging reaches; past it only
	// searchAfter works.
	MaxSearchPageDepth = 10000
	// maxSearchQuery is the longest free-text query the API accepts.
	maxSearchQuery = 75
)

// FilterOperator compares a contact field in a search filter.
type FilterOperator string

// The search operators.
const (
	OpEq          FilterOperator = "eq"
	OpNotEq       FilterOperator = "not_eq"
	OpContains    FilterOperator = "contains"
	OpNotContains FilterOperator = "not_contains"
	OpExists      FilterOperator = "exists"     // takes no value
	OpNotExists   FilterOperator = "not_exists" // takes no value
	OpRange       FilterOperator = "range"      // value is a Range
)

// FilterGroup joins the filters of a group.
type FilterGroup string

// The group logics. Top-level filters are always ANDed.
const (
	GroupAnd FilterGroup = "AND"
	GroupOr  FilterGroup = "OR"
)

// SortDirection orders search results.
type SortDirection string

// The sort directions.
const (
	SortAsc  SortDirection = "asc"
	SortDesc SortDirection = "desc"
)

// SearchFilter is either a condition (Field, Operator, Value) or a group (Group, Filters).
// Build them with Where, Exists, NotExists, InRange, AllOf and AnyOf.
type SearchFilter struct {
	Field    string         `json:"field,omitempty"`
	Operator FilterOperator `json:"operator,omitempty"`
	// Value is sent as given (false and 0 included); nil sends no value.
	Value any `json:"value,omitempty"`

	Group   FilterGroup    `json:"group,omitempty"`
	Filters []SearchFilter `json:"filters,omitempty"`
}

// Range is the value of an OpRange filter; nil bounds are not sent.
type Range struct {
	Gt  any `json:"gt,omitempty"`
	Gte any `json:"gte,omitempty"`
	Lt  any `json:"lt,omitempty"`
	Lte any `json:"lte,omitempty"`
}

// Where returns the condition "field op value".
func Where(field string, op FilterOperator, value any) SearchFilter {
	return SearchFilter{Field: field, Operator: op, Value: value}
}

// Exists matches contacts that have a value in field.
func Exists(field string) SearchFilter { return SearchFilter{Field: field, Operator: OpExists} }

// NotExists matches contacts that have no value in field.
func NotExists(field string) SearchFilter { return SearchFilter{Field: field, Operator: OpNotExists} }

// InRange matches contacts whose field lies within r.
func InRange(field string, r Range) SearchFilter {
	return SearchFilter{Field: field, Operator: OpRange, Value: r}
}

// AllOf groups filters that must all match.
func AllOf(filters ...SearchFilter) SearchFilter {
	return SearchFilter{Group: GroupAnd, Filters: filters}
}

// AnyOf groups filters of which one must match.
func AnyOf(filters ...SearchFilter) SearchFilter {
	return SearchFilter{Group: GroupOr, Filters: filters}
}

func (f *SearchFilter) validate(param string) error {
	if f.Group != "" || len(f.Filters) > 0 {
		switch {
		case f.Group != GroupAnd && f.Group != GroupOr:
			return &InvalidParamError{Param: param + ".Group", Reason: fmt.Sprintf("%q is not AND or OR", f.Group)}
		case len(f.Filters) == 0:
			return &InvalidParamError{Param: param + ".Filters", Reason: "a group needs at least one filter"}
		case f.Field != "" || f.Operator != "" || f.Value != nil:
			return &InvalidParamError{Param: param, Reason: "a filter is either a group or a condition, not both"}
		}
		for i := range f.Filters {
			if err := f.Filters[i].validate(fmt.Sprintf("%s.Filters[%d]", param, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if strings.TrimSpace(f.Field) == "" {
		return &InvalidParamError{Param: param + ".Field", Reason: "must not be empty"}
	}
	switch f.Operator {
	case OpExists, OpNotExists:
		if f.Value != nil {
			return &InvalidParamError{Param: param + ".Value", Reason: fmt.Sprintf("operator %s takes no value", f.Operator)}
		}
	case OpEq, OpNotEq, OpContains, OpNotContains, OpRange:
		if f.Value == nil {
			return &InvalidParamError{Param: param + ".Value", Reason: fmt.Sprintf("operator %s needs a value", f.Operator)}
		}
		if r, ok := f.Value.(Range); ok && r.Gt == nil && r.Gte == nil && r.Lt == nil && r.Lte == nil {
			return &InvalidParamError{Param: param + ".Value", Reason: "a range needs at least one bound"}
		}
	case "":
		return &InvalidParamError{Param: param + ".Operator", Reason: "must not be empty"}
	default:
		return &InvalidParamError{Param: param + ".Operator", Reason: fmt.Sprintf("unknown operator %q", f.Operator)}
	}
	return nil
}

// SearchSort orders search results by one field.
type SearchSort struct {
	Field     string        `json:"field"`
	Direction SortDirection `json:"direction"`
}

// SearchRequest is the body of Search (POST /contacts/search).
type SearchRequest struct {
	// LocationID defaults to the client's location.
	LocationID string `json:"locationId"`
	// Page is the 1-based page for page/pageLimit paging, which reaches MaxSearchPageDepth
	// results at most. Leave it zero when SearchAfter is set.
	Page int `json:"page,omitempty"`
	// PageLimit is the page size, up to MaxSearchPageLimit; zero means
	// DefaultSearchPageLimit.
	PageLimit int `json:"pageLimit"`
	// SearchAfter is the cursor to continue after: the SearchAfter of the last contact of the
	// previous page, sent back exactly as received.
	SearchAfter json.RawMessage `json:"searchAfter,omitempty"`
	// Filters are ANDed.
	Filters []SearchFilter `json:"filters,omitempty"`
	Sort    []SearchSort   `json:"sort,omitempty"`
	// Query is a free-text search of at most 75 characters.
	Query string `json:"query,omitempty"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

var searchRequestFields = jsonx.FieldsOf[SearchRequest]()

// MarshalJSON encodes the request with its Extra fields.
func (r SearchRequest) MarshalJSON() ([]byte, error) {
	type plain SearchRequest
	return encodeWithExtra(plain(r), searchRequestFields, r.Extra, nil)
}

func (r *SearchRequest) validate() error {
	if err := checkID("req.LocationID", r.LocationID); err != nil {
		return err
	}
	switch {
	case r.PageLimit < 0 || r.PageLimit > MaxSearchPageLimit:
		return &InvalidParamError{Param: "req.PageLimit", Reason: fmt.Sprintf("%d is outside 1..%d", r.PageLimit, MaxSearchPageLimit)}
	case r.Page < 0:
		return &InvalidParamError{Param: "req.Page", Reason: fmt.Sprintf("%d is negative", r.Page)}
	case r.Page > 0 && len(r.SearchAfter) > 0:
		return &InvalidParamError{Param: "req.Page", Reason: "cannot be combined with SearchAfter"}
	case r.Page > 0 && r.Page*r.PageLimit > MaxSearchPageDepth:
		return &InvalidParamError{Param: "req.Page", Reason: fmt.Sprintf("page paging reaches %d results at most; use SearchAfter (or SearchAll) to go further", MaxSearchPageDepth)}
	case utf8.RuneCountInString(r.Query) > maxSearchQuery:
		return &InvalidParamError{Param: "req.Query", Reason: fmt.Sprintf("longer than %d characters", maxSearchQuery)}
	}
	if len(r.SearchAfter) > 0 {
		if v := bytes.TrimSpace(r.SearchAfter); !json.Valid(v) || v[0] != '[' {
			return &InvalidParamError{Param: "req.SearchAfter", Reason: "must be a JSON array"}
		}
	}
	for i := range r.Filters {
		if err := r.Filters[i].validate(fmt.Sprintf("req.Filters[%d]", i)); err != nil {
			return err
		}
	}
	for i, s := range r.Sort {
		if strings.TrimSpace(s.Field) == "" {
			return &InvalidParamError{Param: fmt.Sprintf("req.Sort[%d].Field", i), Reason: "must not be empty"}
		}
		if s.Direction != SortAsc && s.Direction != SortDesc {
			return &InvalidParamError{Param: fmt.Sprintf("req.Sort[%d].Direction", i), Reason: fmt.Sprintf("%q is not asc or desc", s.Direction)}
		}
	}
	return nil
}

// SearchResult is one page of search results.
type SearchResult struct {
	Contacts []*Contact `json:"contacts"`
	// Total is how many contacts match, as the server counts them.
	Total int `json:"total"`

	Extra Extra `json:"-"`
}

var searchResultFields = jsonx.FieldsOf[SearchResult]()

// UnmarshalJSON decodes the page and keeps the fields it does not name in Extra.
func (r *SearchResult) UnmarshalJSON(data []byte) error {
	type plain SearchResult
	return decodeWithExtra(data, (*plain)(r), searchResultFields, &r.Extra)
}

// MarshalJSON encodes the page with its Extra fields.
func (r SearchResult) MarshalJSON() ([]byte, error) {
	type plain SearchResult
	return encodeWithExtra(plain(r), searchResultFields, r.Extra, nil)
}

// NextSearchAfter returns the cursor of the page after this one (the last contact's
// SearchAfter), or nil when the page is empty.
func (r *SearchResult) NextSearchAfter() json.RawMessage {
	if r == nil || len(r.Contacts) == 0 || r.Contacts[len(r.Contacts)-1] == nil {
		return nil
	}
	return r.Contacts[len(r.Contacts)-1].SearchAfter
}

// Search runs one page of an advanced contact search; a nil req asks for the first page of
// all contacts. Results may lag writes by a few seconds. It is resent after a 5xx or a
// dropped connection, since a search changes nothing.
func (s *ContactsService) Search(ctx context.Context, req *SearchRequest) (*SearchResult, *Response, error) {
	var body SearchRequest
	if req != nil {
		body = *req
	}
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	if body.PageLimit == 0 {
		body.PageLimit = DefaultSearchPageLimit
	}
	if err := body.validate(); err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/contacts/search", route: "/contacts/search", body: body, idempotent: true}, self[SearchResult])
}

// SearchAll yields every contact that req matches, in req's sort order, fetching pages of up
// to MaxSearchPageLimit (req.PageLimit, if set, is the page size; zero or more than the
// maximum means the maximum). It follows the searchAfter cursor from the first page, so it
// is not held to MaxSearchPageDepth. req.Page may be 0 or 1, and req.SearchAfter starts the
// walk after a given cursor. A nil req walks every contact of the location.
//
// Iteration stops at the first error, which is yielded (a *PaginationError if the server
// repeats a cursor or claims more results without one). Only one page is held at a time.
func (s *ContactsService) SearchAll(ctx context.Context, req *SearchRequest) iter.Seq2[*Contact, error] {
	var base SearchRequest
	if req != nil {
		base = *req
	}
	if base.PageLimit < 0 {
		return errSeq[*Contact](&InvalidParamError{Param: "req.PageLimit", Reason: fmt.Sprintf("%d is negative", base.PageLimit)})
	}
	if base.PageLimit == 0 || base.PageLimit > MaxSearchPageLimit {
		base.PageLimit = MaxSearchPageLimit
	}
	if base.Page != 0 && base.Page != 1 {
		return errSeq[*Contact](&InvalidParamError{Param: "req.Page", Reason: "SearchAll pages by cursor; Page may only be 0 or 1"})
	}
	start := string(bytes.TrimSpace(base.SearchAfter))
	return paginate(ctx, "/contacts/search", start, func(ctx context.Context, cursor string, yielded int) (pageOf[*Contact, string], error) {
		body := base
		if cursor != "" {
			body.Page = 0
			body.SearchAfter = json.RawMessage(cursor)
		}
		res, _, err := s.Search(ctx, &body)
		if err != nil {
			return pageOf[*Contact, string]{}, err
		}
		count := yielded + len(res.Contacts)
		p := pageOf[*Contact, string]{items: res.Contacts}
		if len(res.Contacts) < body.PageLimit {
			return p, nil // a short page is the last
		}
		next := bytes.TrimSpace(res.NextSearchAfter())
		if len(next) == 0 || string(next) == "null" {
			// A full page without a cursor ends the walk only when the server's count says
			// nothing is left; otherwise paginate reports it.
			p.more = res.Total == 0 || count < res.Total
			return p, nil
		}
		p.more, p.next = true, string(next)
		return p, nil
	})
}

// DuplicateOptions says what FindDuplicate looks for. Give Email, Number or both.
type DuplicateOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	// Number is a phone number, best in E.164 ("+14155550100").
	Number string `url:"number,omitempty"`
	Email  string `url:"email,omitempty"`
}

// FindDuplicate returns the contact that the location's duplicate rule matches to opts
// (email first, then phone, when the location allows duplicates), or nil and no error when
// there is none.
func (s *ContactsService) FindDuplicate(ctx context.Context, opts *DuplicateOptions) (*Contact, *Response, error) {
	if opts == nil {
		return nil, nil, &InvalidParamError{Param: "opts", Reason: "must not be nil"}
	}
	o := *opts
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(o.Email) == "" && strings.TrimSpace(o.Number) == "" {
		return nil, nil, &InvalidParamError{Param: "opts", Reason: "give Email, Number or both"}
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/search/duplicate", route: "/contacts/search/duplicate", query: q, mayBeAbsent: true}, contactOf)
}

// ContactList is a page of contacts from List or ListByBusiness.
type ContactList struct {
	Contacts []*Contact `json:"contacts"`
	// Count is the number of matching contacts the server reports.
	Count int `json:"count"`
	// Meta is the cursor information of List; ListByBusiness has none.
	Meta *ListMeta `json:"meta,omitempty"`

	Extra Extra `json:"-"`
}

var contactListFields = jsonx.FieldsOf[ContactList]()

// UnmarshalJSON decodes the page and keeps the fields it does not name in Extra.
func (l *ContactList) UnmarshalJSON(data []byte) error {
	type plain ContactList
	return decodeWithExtra(data, (*plain)(l), contactListFields, &l.Extra)
}

// MarshalJSON encodes the page with its Extra fields.
func (l ContactList) MarshalJSON() ([]byte, error) {
	type plain ContactList
	return encodeWithExtra(plain(l), contactListFields, l.Extra, nil)
}

// ListMeta is the paging information of the deprecated list endpoint.
type ListMeta struct {
	Total        int    `json:"total,omitempty"`
	NextPageURL  string `json:"nextPageUrl,omitempty"`
	StartAfterID string `json:"startAfterId,omitempty"`
	// StartAfter is epoch milliseconds.
	StartAfter  int64 `json:"startAfter,omitempty"`
	CurrentPage int   `json:"currentPage,omitempty"`
	NextPage    *int  `json:"nextPage,omitempty"`
	PrevPage    *int  `json:"prevPage,omitempty"`

	Extra Extra `json:"-"`
}

var listMetaFields = jsonx.FieldsOf[ListMeta]()

// UnmarshalJSON decodes the meta object and keeps the fields it does not name in Extra.
func (m *ListMeta) UnmarshalJSON(data []byte) error {
	type plain ListMeta
	return decodeWithExtra(data, (*plain)(m), listMetaFields, &m.Extra)
}

// MarshalJSON encodes the meta object with its Extra fields.
func (m ListMeta) MarshalJSON() ([]byte, error) {
	type plain ListMeta
	return encodeWithExtra(plain(m), listMetaFields, m.Extra, nil)
}

// ListByBusinessOptions pages through a business's contacts.
type ListByBusinessOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	// Limit is the page size (server default 25, at most 100).
	Limit int `url:"limit,omitempty"`
	// Skip is how many contacts to skip.
	Skip  int    `url:"skip,omitempty"`
	Query string `url:"query,omitempty"`
}

// maxBusinessPageLimit is the largest page the by-business endpoint serves.
const maxBusinessPageLimit = 100

// ListByBusiness returns one page of the contacts of a business (offset paging).
func (s *ContactsService) ListByBusiness(ctx context.Context, businessID string, opts *ListByBusinessOptions) (*ContactList, *Response, error) {
	ids, err := escapeIDs("businessID", businessID)
	if err != nil {
		return nil, nil, err
	}
	var o ListByBusinessOptions
	if opts != nil {
		o = *opts
	}
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return nil, nil, err
	}
	if o.Limit < 0 || o.Limit > maxBusinessPageLimit {
		return nil, nil, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is outside 1..%d", o.Limit, maxBusinessPageLimit)}
	}
	if o.Skip < 0 {
		return nil, nil, &InvalidParamError{Param: "opts.Skip", Reason: fmt.Sprintf("%d is negative", o.Skip)}
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/business/" + ids[0], route: "/contacts/business/{businessId}", query: q}, self[ContactList])
}

// ListByBusinessAll yields every contact of a business, paging by skip and limit (opts.Limit
// is the page size, default 100; opts.Skip is where to start). Iteration stops at the first
// error, which is yielded.
func (s *ContactsService) ListByBusinessAll(ctx context.Context, businessID string, opts *ListByBusinessOptions) iter.Seq2[*Contact, error] {
	if err := checkID("businessID", businessID); err != nil {
		return errSeq[*Contact](err)
	}
	var base ListByBusinessOptions
	if opts != nil {
		base = *opts
	}
	if base.Limit == 0 {
		base.Limit = maxBusinessPageLimit
	}
	// The cursor is skip+1, so that the zero cursor still means "none" to the pager.
	return paginate(ctx, "/contacts/business/{businessId}", base.Skip+1, func(ctx context.Context, cursor, _ int) (pageOf[*Contact, int], error) {
		o := base
		o.Skip = cursor - 1
		res, _, err := s.ListByBusiness(ctx, businessID, &o)
		if err != nil {
			return pageOf[*Contact, int]{}, err
		}
		p := pageOf[*Contact, int]{items: res.Contacts}
		next := o.Skip + len(res.Contacts)
		if len(res.Contacts) == o.Limit && (res.Count == 0 || next < res.Count) {
			p.more, p.next = true, next+1
		}
		return p, nil
	})
}

// ListOptions pages through the deprecated contact list.
type ListOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	// StartAfterID and StartAfter (epoch milliseconds) are the cursor: the previous page's
	// Meta.StartAfterID and Meta.StartAfter.
	StartAfterID string `url:"startAfterId,omitempty"`
	StartAfter   int64  `url:"startAfter,omitempty"`
	Query        string `url:"query,omitempty"`
	// Limit is the page size (server default 20, at most 100).
	Limit int `url:"limit,omitempty"`
}

// maxListLimit is the largest page the deprecated list endpoint serves.
const maxListLimit = 100

func (s *ContactsService) listOptions(opts *ListOptions) (ListOptions, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return o, err
	}
	if o.Limit < 0 || o.Limit > maxListLimit {
		return o, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is outside 1..%d", o.Limit, maxListLimit)}
	}
	if o.StartAfter < 0 {
		return o, &InvalidParamError{Param: "opts.StartAfter", Reason: fmt.Sprintf("%d is negative", o.StartAfter)}
	}
	return o, nil
}

// List returns one page of the location's contacts (GET /contacts/).
//
// Deprecated: GHL has deprecated this endpoint in favour of search; use Search or
// SearchAll. It is still served.
func (s *ContactsService) List(ctx context.Context, opts *ListOptions) (*ContactList, *Response, error) {
	o, err := s.listOptions(opts)
	if err != nil {
		return nil, nil, err
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/", route: "/contacts/", query: q}, self[ContactList])
}

// listCursor is the cursor pair of the deprecated list endpoint.
type listCursor struct {
	startAfter   int64
	startAfterID string
}

// ListAll yields every contact of the deprecated list endpoint, following the
// meta.startAfter/startAfterId cursor (opts.Limit is the page size, default 100). Iteration
// stops at the first error, which is yielded.
//
// Deprecated: it reads the deprecated list endpoint; use SearchAll.
func (s *ContactsService) ListAll(ctx context.Context, opts *ListOptions) iter.Seq2[*Contact, error] {
	base, err := s.listOptions(opts)
	if err != nil {
		return errSeq[*Contact](err)
	}
	if base.Limit == 0 {
		base.Limit = maxListLimit
	}
	start := listCursor{startAfter: base.StartAfter, startAfterID: base.StartAfterID}
	return paginate(ctx, "/contacts/", start, func(ctx context.Context, cur listCursor, _ int) (pageOf[*Contact, listCursor], error) {
		o := base
		o.StartAfter, o.StartAfterID = cur.startAfter, cur.startAfterID
		res, _, err := s.List(ctx, &o)
		if err != nil {
			return pageOf[*Contact, listCursor]{}, err
		}
		p := pageOf[*Contact, listCursor]{items: res.Contacts}
		if len(res.Contacts) < o.Limit {
			return p, nil
		}
		m := res.Meta
		if m == nil || m.StartAfterID == "" {
			// No cursor: the end, unless the server says there is a next page.
			p.more = m != nil && (m.NextPage != nil || m.NextPageURL != "")
			return p, nil
		}
		p.more, p.next = true, listCursor{startAfter: m.StartAfter, startAfterID: m.StartAfterID}
		return p, nil
	})
}

// FollowersResult is the contact's followers after a change.
type FollowersResult struct {
	// Followers are the contact's followers (user IDs).
	Followers []string `json:"followers"`
	// FollowersAdded are the users AddFollowers added.
	FollowersAdded []string `json:"followersAdded,omitempty"`
	// FollowersRemoved are the users RemoveFollowers removed.
	FollowersRemoved []string `json:"followersRemoved,omitempty"`

	Extra Extra `json:"-"`
}

var followersResultFields = jsonx.FieldsOf[FollowersResult]()

// UnmarshalJSON decodes the result and keeps the fields it does not name in Extra.
func (r *FollowersResult) UnmarshalJSON(data []byte) error {
	type plain FollowersResult
	return decodeWithExtra(data, (*plain)(r), followersResultFields, &r.Extra)
}

// MarshalJSON encodes the result with its Extra fields.
func (r FollowersResult) MarshalJSON() ([]byte, error) {
	type plain FollowersResult
	return encodeWithExtra(plain(r), followersResultFields, r.Extra, nil)
}

type followersBody struct {
	Followers []string `json:"followers"`
}

func checkIDList(param string, ids []string) error {
	if len(ids) == 0 {
		return &InvalidParamError{Param: param, Reason: "must not be empty"}
	}
	for i, id := range ids {
		if err := checkID(fmt.Sprintf("%s[%d]", param, i), id); err != nil {
			return err
		}
	}
	return nil
}

// AddFollowers makes users (by ID) follow the contact. Adding a follower twice changes
// nothing, so the call is resent after a 5xx or a dropped connection.
func (s *ContactsService) AddFollowers(ctx context.Context, contactID string, followerIDs []string) (*FollowersResult, *Response, error) {
	return s.followers(ctx, http.MethodPost, contactID, followerIDs)
}

// RemoveFollowers stops users (by ID) following the contact.
func (s *ContactsService) RemoveFollowers(ctx context.Context, contactID string, followerIDs []string) (*FollowersResult, *Response, error) {
	return s.followers(ctx, http.MethodDelete, contactID, followerIDs)
}

func (s *ContactsService) followers(ctx context.Context, method, contactID string, followerIDs []string) (*FollowersResult, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	if err := checkIDList("followerIDs", followerIDs); err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: method, path: "/contacts/" + ids[0] + "/followers", route: "/contacts/{contactId}/followers",
		body: followersBody{Followers: followerIDs}, idempotent: true}, self[FollowersResult])
}

// AddToCampaign adds the contact to a campaign. It is not resent after a 5xx, since GHL
// might have started the campaign for the contact.
func (s *ContactsService) AddToCampaign(ctx context.Context, contactID, campaignID string) (*Response, error) {
	ids, err := escapeIDs("contactID", contactID, "campaignID", campaignID)
	if err != nil {
		return nil, err
	}
	// The API requires a body and declares it empty.
	return s.client.doAck(ctx, &request{method: http.MethodPost, path: "/contacts/" + ids[0] + "/campaigns/" + ids[1],
		route: "/contacts/{contactId}/campaigns/{campaignId}", body: struct{}{}})
}

// RemoveFromCampaign removes the contact from a campaign.
func (s *ContactsService) RemoveFromCampaign(ctx context.Context, contactID, campaignID string) (*Response, error) {
	ids, err := escapeIDs("contactID", contactID, "campaignID", campaignID)
	if err != nil {
		return nil, err
	}
	return s.client.doAck(ctx, &request{method: http.MethodDelete, path: "/contacts/" + ids[0] + "/campaigns/" + ids[1],
		route: "/contacts/{contactId}/campaigns/{campaignId}"})
}

// RemoveFromAllCampaigns removes the contact from every campaign.
func (s *ContactsService) RemoveFromAllCampaigns(ctx context.Context, contactID string) (*Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, err
	}
	return s.client.doAck(ctx, &request{method: http.MethodDelete, path: "/contacts/" + ids[0] + "/campaigns/removeAll",
		route: "/contacts/{contactId}/campaigns/removeAll"})
}

// WorkflowOptions is the body of AddToWorkflow and RemoveFromWorkflow.
type WorkflowOptions struct {
	// EventStartTime is when the workflow's event starts for the contact; zero sends none.
	// It is sent in RFC 3339 with the time's own offset.
	EventStartTime time.Time `json:"-"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

type workflowBody struct {
	EventStartTime string `json:"eventStartTime,omitempty"`
}

var workflowBodyFields = jsonx.FieldsOf[workflowBody]()

// MarshalJSON encodes the options with their Extra fields.
func (o WorkflowOptions) MarshalJSON() ([]byte, error) {
	var b workflowBody
	if !o.EventStartTime.IsZero() {
		b.EventStartTime = o.EventStartTime.Format(time.RFC3339)
	}
	return encodeWithExtra(b, workflowBodyFields, o.Extra, nil)
}

// AddToWorkflow enrols the contact in a workflow; opts may be nil. It is not resent after a
// 5xx, since GHL might have enrolled the contact.
func (s *ContactsService) AddToWorkflow(ctx context.Context, contactID, workflowID string, opts *WorkflowOptions) (*Response, error) {
	return s.workflow(ctx, http.MethodPost, contactID, workflowID, opts)
}

// RemoveFromWorkflow takes the contact out of a workflow; opts may be nil.
func (s *ContactsService) RemoveFromWorkflow(ctx context.Context, contactID, workflowID string, opts *WorkflowOptions) (*Response, error) {
	return s.workflow(ctx, http.MethodDelete, contactID, workflowID, opts)
}

func (s *ContactsService) workflow(ctx context.Context, method, contactID, workflowID string, opts *WorkflowOptions) (*Response, error) {
	ids, err := escapeIDs("contactID", contactID, "workflowID", workflowID)
	if err != nil {
		return nil, err
	}
	var body WorkflowOptions
	if opts != nil {
		body = *opts
	}
	// Both directions require a body, even an empty one.
	return s.client.doAck(ctx, &request{method: method, path: "/contacts/" + ids[0] + "/workflow/" + ids[1],
		route: "/contacts/{contactId}/workflow/{workflowId}", body: body})
}

// maxBusinessContactID is the longest contact ID the bulk business endpoint accepts.
const maxBusinessContactID = 50

// BulkBusinessRequest attaches contacts to a business, or detaches them from theirs.
// Exactly one of BusinessID and RemoveFromBusiness must be set.
type BulkBusinessRequest struct {
	// LocationID defaults to the client's location.
	LocationID string
	// ContactIDs are the contacts to change.
	ContactIDs []string
	// BusinessID is the business to attach the contacts to.
	BusinessID string
	// RemoveFromBusiness detaches the contacts from their business (sends businessId null).
	RemoveFromBusiness bool

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra
}

type bulkBusinessBody struct {
	LocationID string   `json:"locationId"`
	IDs        []string `json:"ids"`
	BusinessID *string  `json:"businessId"`
}

var bulkBusinessBodyFields = jsonx.FieldsOf[bulkBusinessBody]()

// MarshalJSON encodes the request as the API expects it.
func (r BulkBusinessRequest) MarshalJSON() ([]byte, error) {
	b := bulkBusinessBody{LocationID: r.LocationID, IDs: r.ContactIDs}
	if !r.RemoveFromBusiness {
		b.BusinessID = &r.BusinessID
	}
	return encodeWithExtra(b, bulkBusinessBodyFields, r.Extra, nil)
}

// BulkBusinessResult is the outcome of UpdateBusiness.
type BulkBusinessResult struct {
	Success bool `json:"success"`
	// IDs are the contacts that were changed.
	IDs []string `json:"ids"`

	Extra Extra `json:"-"`
}

var bulkBusinessResultFields = jsonx.FieldsOf[BulkBusinessResult]()

// UnmarshalJSON decodes the result and keeps the fields it does not name in Extra.
func (r *BulkBusinessResult) UnmarshalJSON(data []byte) error {
	type plain BulkBusinessResult
	return decodeWithExtra(data, (*plain)(r), bulkBusinessResultFields, &r.Extra)
}

// MarshalJSON encodes the result with its Extra fields.
func (r BulkBusinessResult) MarshalJSON() ([]byte, error) {
	type plain BulkBusinessResult
	return encodeWithExtra(plain(r), bulkBusinessResultFields, r.Extra, nil)
}

// UpdateBusiness attaches contacts to a business or detaches them (POST
// /contacts/bulk/business). Setting the same business twice changes nothing, so the call is
// resent after a 5xx or a dropped connection.
func (s *ContactsService) UpdateBusiness(ctx context.Context, req *BulkBusinessRequest) (*BulkBusinessResult, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	body := *req
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	if err := checkID("req.LocationID", body.LocationID); err != nil {
		return nil, nil, err
	}
	if err := checkIDList("req.ContactIDs", body.ContactIDs); err != nil {
		return nil, nil, err
	}
	for i, id := range body.ContactIDs {
		if len(id) > maxBusinessContactID {
			return nil, nil, &InvalidParamError{Param: fmt.Sprintf("req.ContactIDs[%d]", i), Reason: fmt.Sprintf("longer than %d characters", maxBusinessContactID)}
		}
	}
	switch {
	case body.RemoveFromBusiness && body.BusinessID != "":
		return nil, nil, &InvalidParamError{Param: "req.BusinessID", Reason: "cannot be combined with RemoveFromBusiness"}
	case !body.RemoveFromBusiness:
		if err := checkID("req.BusinessID", body.BusinessID); err != nil {
			return nil, nil, err
		}
	}
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/contacts/bulk/business", route: "/contacts/bulk/business", body: body, idempotent: true}, self[BulkBusinessResult])
}

// ErrNotSucceeded is matched by every *NotSucceededError.
var ErrNotSucceeded = errors.New("ghl: the API reported that the action did not succeed")

// NotSucceededError reports a 2xx response whose body says the action failed
// ({"succeded": false}).
type NotSucceededError struct {
	Method     string
	Route      string
	StatusCode int
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *NotSucceededError) Error() string {
	return fmt.Sprintf("ghl: %s %s: %d response reports the action did not succeed", e.Method, e.Route, e.StatusCode)
}

// Is matches ErrNotSucceeded.
func (e *NotSucceededError) Is(target error) bool { return target == ErrNotSucceeded }

// ack is the acknowledgement GHL sends for actions, in its misspelled form and the corrected
// one later API versions add.
type ack struct {
	Succeded  *bool `json:"succeded"`
	Succeeded *bool `json:"succeeded"`
}

func (a *ack) failed() bool {
	return (a.Succeded != nil && !*a.Succeded) || (a.Succeeded != nil && !*a.Succeeded)
}

// doAck sends req and turns a 2xx acknowledgement that reports failure into an error.
func (c *Client) doAck(ctx context.Context, req *request) (*Response, error) {
	var a ack
	resp, err := c.do(ctx, req, &a)
	if err != nil {
		return resp, err
	}
	if a.failed() {
		return resp, &NotSucceededError{Method: req.method, Route: req.route, StatusCode: resp.StatusCode}
	}
	return resp, nil
}

// queryOf encodes the `url` tags of opts (a struct pointer) as a query, percent-encoding
// values so "+" in a phone number or e-mail address survives.
func queryOf(opts any) (url.Values, error) {
	q, err := query.Values(opts)
	if err != nil {
		return nil, fmt.Errorf("ghl: encoding query: %w", err)
	}
	return q, nil
}
