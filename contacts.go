package ghl

import (
	"context"
	"encoding/json"
	"net/http"

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
func (c *Contact) UnmarshalJSON(data []byte) error { return decodeModel(data, c) }

// MarshalJSON encodes the contact with its Extra fields, so a decoded contact re-encodes to
// what the API sent.
func (c Contact) MarshalJSON() ([]byte, error) {
	type plain Contact
	return encodeWithExtra(plain(c), contactFields, c.Extra, nil)
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

// ContactUpdateRequest is the body of Update. As in every update request, a nil field is not
// sent (use Ptr to set one), and a field named in Null is sent as null. Tags, if non-nil,
// replace the whole list (an empty non-nil slice clears it). GHL's update takes no
// locationId, gender or companyName.
type ContactUpdateRequest struct {
	FirstName          *string             `json:"firstName,omitempty"`
	LastName           *string             `json:"lastName,omitempty"`
	Name               *string             `json:"name,omitempty"`
	Email              *string             `json:"email,omitempty"`
	Phone              *string             `json:"phone,omitempty"`
	Address1           *string             `json:"address1,omitempty"`
	City               *string             `json:"city,omitempty"`
	State              *string             `json:"state,omitempty"`
	PostalCode         *string             `json:"postalCode,omitempty"`
	Website            *string             `json:"website,omitempty"`
	Timezone           *string             `json:"timezone,omitempty"`
	DND                *bool               `json:"dnd,omitempty"`
	DNDSettings        *DNDSettings        `json:"dndSettings,omitempty"`
	InboundDNDSettings *InboundDNDSettings `json:"inboundDndSettings,omitempty"`
	Tags               []string            `json:"tags,omitempty"`
	CustomFields       []CustomFieldInput  `json:"customFields,omitempty"`
	Source             *string             `json:"source,omitempty"`
	DateOfBirth        *string             `json:"dateOfBirth,omitempty"` // YYYY-MM-DD
	Country            *string             `json:"country,omitempty"`
	AssignedTo         *string             `json:"assignedTo,omitempty"`

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
// write. Custom fields given by key are sent by their IDs (see ContactFields): a key the
// location does not have fails the create before anything is sent.
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
	fields, err := resolveFieldKeys(ctx, s.client, body.LocationID, body.CustomFields)
	if err != nil {
		return nil, nil, err
	}
	body.CustomFields = fields
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/contacts/", route: "/contacts/", body: body}, contactOf)
}

// Update changes a contact. Only the fields set in req are sent. Custom fields given by key
// are sent by their IDs, as in Create.
func (s *ContactsService) Update(ctx context.Context, contactID string, req *ContactUpdateRequest) (*Contact, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	fields, err := resolveFieldKeys(ctx, s.client, s.client.locationID, req.CustomFields)
	if err != nil {
		return nil, nil, err
	}
	body := *req
	body.CustomFields = fields
	return fetch(ctx, s.client, &request{method: http.MethodPut, path: "/contacts/" + ids[0], route: "/contacts/{contactId}", body: body}, contactOf)
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
// created, unless CreateNewIfDuplicateAllowed is set. Custom fields given by key are sent by
// their IDs, as in Create.
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
	fields, err := resolveFieldKeys(ctx, s.client, body.LocationID, body.CustomFields)
	if err != nil {
		return nil, nil, err
	}
	body.CustomFields = fields
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/contacts/upsert", route: "/contacts/upsert", body: body,
		idempotent: !body.CreateNewIfDuplicateAllowed}, self[UpsertResult])
}
