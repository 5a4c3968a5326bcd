package ghl

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Custom field definitions of the client's location: /locations/{locationId}/customFields.
// The key <-> ID cache that lets contacts be read and written by key is in
// customfields_keys.go.

// The custom field models GHL knows.
const (
	CustomFieldModelContact     = "contact"
	CustomFieldModelOpportunity = "opportunity"
	// CustomFieldModelAll lists the fields of every model (listing only).
	CustomFieldModelAll = "all"
)

// CustomField is the definition of a custom field.
type CustomField struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// FieldKey is the key contacts are written with, e.g. "contact.last_call".
	FieldKey    string `json:"fieldKey,omitempty"`
	Placeholder string `json:"placeholder,omitempty"`
	// DataType is e.g. TEXT, LARGE_TEXT, NUMERICAL, PHONE, MONETORY, CHECKBOX,
	// SINGLE_OPTIONS, MULTIPLE_OPTIONS, FLOAT, DATE, TEXTBOX_LIST or FILE_UPLOAD.
	DataType              string   `json:"dataType,omitempty"`
	Position              int      `json:"position,omitempty"`
	PicklistOptions       []string `json:"picklistOptions,omitempty"`
	IsAllowedCustomOption bool     `json:"isAllowedCustomOption,omitempty"`
	IsMultiFileAllowed    bool     `json:"isMultiFileAllowed,omitempty"`
	MaxFileLimit          int      `json:"maxFileLimit,omitempty"`
	LocationID            string   `json:"locationId,omitempty"`
	// Model is "contact" or "opportunity".
	Model string `json:"model,omitempty"`
	// ParentID is the folder the field sits in.
	ParentID string `json:"parentId,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var customFieldFields = jsonx.FieldsOf[CustomField]()

// UnmarshalJSON decodes a custom field and keeps the fields it does not name in Extra.
func (f *CustomField) UnmarshalJSON(data []byte) error { return decodeModel(data, f) }

// MarshalJSON encodes the custom field with its Extra fields.
func (f CustomField) MarshalJSON() ([]byte, error) {
	type plain CustomField
	return encodeWithExtra(plain(f), customFieldFields, f.Extra, nil)
}

// TextBoxListOption is one box of a TEXTBOX_LIST field.
type TextBoxListOption struct {
	Label        string `json:"label"`
	PrefillValue string `json:"prefillValue,omitempty"`
}

// CustomFieldListOptions filters CustomFields.
type CustomFieldListOptions struct {
	// Model is "contact" (the default), "opportunity" or "all".
	Model string `url:"model,omitempty"`
}

// CustomFieldCreateRequest is the body of CreateCustomField. Name and DataType are required;
// Model defaults to "contact".
type CustomFieldCreateRequest struct {
	Name        string `json:"name"`
	DataType    string `json:"dataType"`
	Placeholder string `json:"placeholder,omitempty"`
	// FieldKey asks for a key ("last_call" or "contact.last_call") instead of the one GHL
	// derives from Name. GHL accepts it though its spec does not list it (tracker #300).
	FieldKey string `json:"fieldKey,omitempty"`
	// ParentID puts the field in a folder; Description documents it (both accepted but not in
	// GHL's spec, tracker #300).
	ParentID           string              `json:"parentId,omitempty"`
	Description        string              `json:"description,omitempty"`
	AcceptedFormat     []string            `json:"acceptedFormat,omitempty"`
	IsMultipleFile     *bool               `json:"isMultipleFile,omitempty"`
	MaxNumberOfFiles   int                 `json:"maxNumberOfFiles,omitempty"`
	TextBoxListOptions []TextBoxListOption `json:"textBoxListOptions,omitempty"`
	Position           int                 `json:"position,omitempty"`
	Model              string              `json:"model,omitempty"`

	// Extra carries fields this type does not name (e.g. "options" for a picklist); they are
	// sent as given.
	Extra Extra `json:"-"`
}

var customFieldCreateFields = jsonx.FieldsOf[CustomFieldCreateRequest]()

// MarshalJSON encodes the request with its Extra fields.
func (r CustomFieldCreateRequest) MarshalJSON() ([]byte, error) {
	type plain CustomFieldCreateRequest
	return encodeWithExtra(plain(r), customFieldCreateFields, r.Extra, nil)
}

// CustomFieldUpdateRequest is the body of UpdateCustomField. GHL requires Name; the other
// fields are sent only when set. To send an explicit null, list the field's JSON name in Null.
type CustomFieldUpdateRequest struct {
	Name               string              `json:"name"`
	Placeholder        string              `json:"placeholder,omitempty"`
	AcceptedFormat     []string            `json:"acceptedFormat,omitempty"`
	IsMultipleFile     *bool               `json:"isMultipleFile,omitempty"`
	MaxNumberOfFiles   int                 `json:"maxNumberOfFiles,omitempty"`
	TextBoxListOptions []TextBoxListOption `json:"textBoxListOptions,omitempty"`
	Position           *int                `json:"position,omitempty"`
	Model              string              `json:"model,omitempty"`

	Null  []string `json:"-"`
	Extra Extra    `json:"-"`
}

var customFieldUpdateFields = jsonx.FieldsOf[CustomFieldUpdateRequest]()

// MarshalJSON encodes the request with its Null and Extra fields.
func (r CustomFieldUpdateRequest) MarshalJSON() ([]byte, error) {
	type plain CustomFieldUpdateRequest
	return encodeWithExtra(plain(r), customFieldUpdateFields, r.Extra, r.Null)
}

const (
	customFieldsRoute = "/locations/{locationId}/customFields"
	customFieldRoute  = "/locations/{locationId}/customFields/{id}"
)

// CustomFields lists the custom field definitions of the client's location; a nil opts lists
// the contact fields.
func (s *LocationsService) CustomFields(ctx context.Context, opts *CustomFieldListOptions) ([]*CustomField, *Response, error) {
	o := CustomFieldListOptions{Model: CustomFieldModelContact}
	if opts != nil && opts.Model != "" {
		o.Model = opts.Model
	}
	switch o.Model {
	case CustomFieldModelContact, CustomFieldModelOpportunity, CustomFieldModelAll:
	default:
		return nil, nil, &InvalidParamError{Param: "opts.Model", Reason: fmt.Sprintf("%q is not contact, opportunity or all", o.Model)}
	}
	path, err := s.homePath("/customFields")
	if err != nil {
		return nil, nil, err
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: path, route: customFieldsRoute, query: q, family: APILocations},
		func(e *customFieldsEnvelope) []*CustomField { return e.CustomFields })
}

// customFieldsEnvelope is the answer of CustomFields.
type customFieldsEnvelope struct {
	CustomFields []*CustomField `json:"customFields"`
}

// GetCustomField fetches one custom field definition by its ID or by its key
// ("contact.last_call"), which GHL accepts in the same place.
func (s *LocationsService) GetCustomField(ctx context.Context, idOrKey string) (*CustomField, *Response, error) {
	path, err := s.fieldPath("idOrKey", idOrKey)
	if err != nil {
		return nil, nil, err
	}
	return s.oneField(ctx, &request{method: http.MethodGet, path: path, route: customFieldRoute, family: APILocations})
}

// CreateCustomField adds a custom field to the client's location and to the client's key
// cache. It is not resent after a 5xx or a dropped connection, since GHL might have created it.
func (s *LocationsService) CreateCustomField(ctx context.Context, req *CustomFieldCreateRequest) (*CustomField, *Response, error) {
	switch {
	case req == nil:
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	case strings.TrimSpace(req.Name) == "":
		return nil, nil, &InvalidParamError{Param: "req.Name", Reason: "must not be empty"}
	case strings.TrimSpace(req.DataType) == "":
		return nil, nil, &InvalidParamError{Param: "req.DataType", Reason: "must not be empty"}
	}
	body := *req
	if body.Model == "" {
		body.Model = CustomFieldModelContact
	}
	if body.Model != CustomFieldModelContact && body.Model != CustomFieldModelOpportunity {
		return nil, nil, &InvalidParamError{Param: "req.Model", Reason: fmt.Sprintf("%q is not contact or opportunity", body.Model)}
	}
	path, err := s.homePath("/customFields")
	if err != nil {
		return nil, nil, err
	}
	f, resp, err := s.oneField(ctx, &request{method: http.MethodPost, path: path, route: customFieldsRoute, body: &body, family: APILocations})
	if err == nil {
		s.ContactFields().learn(f)
	}
	return f, resp, err
}

// UpdateCustomField changes a custom field definition (req.Name is required by GHL).
func (s *LocationsService) UpdateCustomField(ctx context.Context, id string, req *CustomFieldUpdateRequest) (*CustomField, *Response, error) {
	switch {
	case req == nil:
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	case strings.TrimSpace(req.Name) == "":
		return nil, nil, &InvalidParamError{Param: "req.Name", Reason: "must not be empty"}
	}
	path, err := s.fieldPath("id", id)
	if err != nil {
		return nil, nil, err
	}
	f, resp, err := s.oneField(ctx, &request{method: http.MethodPut, path: path, route: customFieldRoute, body: req, family: APILocations})
	if err == nil {
		s.ContactFields().learn(f)
	}
	return f, resp, err
}

// DeleteCustomField deletes a custom field definition (and with it every contact's value).
func (s *LocationsService) DeleteCustomField(ctx context.Context, id string) (*Response, error) {
	path, err := s.fieldPath("id", id)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.doAck(ctx, &request{method: http.MethodDelete, path: path, route: customFieldRoute, family: APILocations})
	if err == nil {
		s.ContactFields().forget(id)
	}
	return resp, err
}

func (s *LocationsService) fieldPath(param, id string) (string, error) {
	ids, err := escapeIDs(param, id)
	if err != nil {
		return "", err
	}
	return s.homePath("/customFields/" + ids[0])
}

func (s *LocationsService) oneField(ctx context.Context, req *request) (*CustomField, *Response, error) {
	return fetch(ctx, s.client, req, func(e *customFieldEnvelope) *CustomField { return e.CustomField })
}

// customFieldEnvelope is the answer of the single-field endpoints.
type customFieldEnvelope struct {
	CustomField *CustomField `json:"customField"`
}
