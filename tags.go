package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// TagsService reaches the tag endpoints of contacts.
type TagsService service

type tagsBody struct {
	Tags []string `json:"tags"`
}

func checkTags(param string, tags []string) error {
	if len(tags) == 0 {
		return &InvalidParamError{Param: param, Reason: "must not be empty"}
	}
	for i, t := range tags {
		if strings.TrimSpace(t) == "" {
			return &InvalidParamError{Param: fmt.Sprintf("%s[%d]", param, i), Reason: "must not be blank"}
		}
	}
	return nil
}

// Add adds tags to the contact and returns its tags. Adding a tag twice changes nothing, so
// the call is resent after a 5xx or a dropped connection.
func (s *TagsService) Add(ctx context.Context, contactID string, tags []string) ([]string, *Response, error) {
	return s.change(ctx, http.MethodPost, contactID, tags)
}

// Remove removes tags from the contact and returns its tags.
func (s *TagsService) Remove(ctx context.Context, contactID string, tags []string) ([]string, *Response, error) {
	return s.change(ctx, http.MethodDelete, contactID, tags)
}

func (s *TagsService) change(ctx context.Context, method, contactID string, tags []string) ([]string, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	if err := checkTags("tags", tags); err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: method, path: "/contacts/" + ids[0] + "/tags", route: "/contacts/{contactId}/tags",
		body: tagsBody{Tags: tags}, idempotent: true}, func(e *tagsBody) []string { return e.Tags })
}

// TagOperation is what BulkUpdate does with the tags.
type TagOperation string

// The bulk tag operations.
const (
	TagsAdd    TagOperation = "add"
	TagsRemove TagOperation = "remove"
)

// BulkTagsRequest adds tags to, or removes tags from, many contacts at once.
type BulkTagsRequest struct {
	// Operation is TagsAdd or TagsRemove; it goes in the path.
	Operation TagOperation `json:"-"`
	// LocationID defaults to the client's location.
	LocationID string   `json:"locationId"`
	ContactIDs []string `json:"contacts"`
	Tags       []string `json:"tags"`
	// RemoveAllTags removes every tag of the contacts (TagsRemove only); Tags may then be
	// empty.
	RemoveAllTags bool `json:"removeAllTags,omitempty"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

var bulkTagsRequestFields = jsonx.FieldsOf[BulkTagsRequest]()

// MarshalJSON encodes the request with its Extra fields; tags is always a list, as the API
// requires.
func (r BulkTagsRequest) MarshalJSON() ([]byte, error) {
	type plain BulkTagsRequest
	if r.Tags == nil {
		r.Tags = []string{}
	}
	return encodeWithExtra(plain(r), bulkTagsRequestFields, r.Extra, nil)
}

func (r *BulkTagsRequest) validate() error {
	if r.Operation != TagsAdd && r.Operation != TagsRemove {
		return &InvalidParamError{Param: "req.Operation", Reason: fmt.Sprintf("%q is not add or remove", r.Operation)}
	}
	if err := checkID("req.LocationID", r.LocationID); err != nil {
		return err
	}
	if err := checkIDList("req.ContactIDs", r.ContactIDs); err != nil {
		return err
	}
	if r.RemoveAllTags {
		if r.Operation != TagsRemove {
			return &InvalidParamError{Param: "req.RemoveAllTags", Reason: "only works with TagsRemove"}
		}
		if len(r.Tags) == 0 {
			return nil
		}
	}
	return checkTags("req.Tags", r.Tags)
}

// BulkTagsResult is the outcome of BulkUpdate: one entry per contact.
type BulkTagsResult struct {
	// Succeeded is the API's "succeded" flag ("succeeded" is accepted too).
	Succeeded  bool           `json:"succeded"`
	ErrorCount int            `json:"errorCount"`
	Responses  []BulkTagsItem `json:"responses"`

	Extra Extra `json:"-"`
}

var bulkTagsResultFields = func() jsonx.Fields {
	f := jsonx.FieldsOf[BulkTagsResult]()
	f["succeeded"] = struct{}{}
	return f
}()

// UnmarshalJSON decodes the result, accepting both spellings of the success flag, and keeps
// the fields it does not name in Extra.
func (r *BulkTagsResult) UnmarshalJSON(data []byte) error {
	type plain BulkTagsResult
	if err := decodeWithExtra(data, (*plain)(r), bulkTagsResultFields, &r.Extra); err != nil {
		return err
	}
	var a ack
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	r.Succeeded = (a.Succeded != nil && *a.Succeded) || (a.Succeeded != nil && *a.Succeeded)
	return nil
}

// MarshalJSON encodes the result with its Extra fields.
func (r BulkTagsResult) MarshalJSON() ([]byte, error) {
	type plain BulkTagsResult
	return encodeWithExtra(plain(r), bulkTagsResultFields, r.Extra, nil)
}

// BulkTagsItem is the outcome for one contact of a bulk tag update.
type BulkTagsItem struct {
	ContactID string `json:"contactId,omitempty"`
	Message   string `json:"message,omitempty"`
	// Type is "success" or "error".
	Type        string   `json:"type,omitempty"`
	OldTags     []string `json:"oldTags,omitempty"`
	TagsAdded   []string `json:"tagsAdded,omitempty"`
	TagsRemoved []string `json:"tagsRemoved,omitempty"`

	Extra Extra `json:"-"`
}

var bulkTagsItemFields = jsonx.FieldsOf[BulkTagsItem]()

// UnmarshalJSON decodes an entry. The spec declares entries as strings while the API sends
// objects; a string entry becomes the Message.
func (it *BulkTagsItem) UnmarshalJSON(data []byte) error {
	if d := bytes.TrimSpace(data); len(d) > 0 && d[0] == '"' {
		*it = BulkTagsItem{}
		return json.Unmarshal(d, &it.Message)
	}
	type plain BulkTagsItem
	return decodeWithExtra(data, (*plain)(it), bulkTagsItemFields, &it.Extra)
}

// MarshalJSON encodes the entry with its Extra fields.
func (it BulkTagsItem) MarshalJSON() ([]byte, error) {
	type plain BulkTagsItem
	return encodeWithExtra(plain(it), bulkTagsItemFields, it.Extra, nil)
}

// BulkUpdate adds or removes tags on many contacts (POST /contacts/bulk/tags/update/{add|remove}).
// Per-contact failures are in the result, not the error. Repeating the same update changes
// nothing, so the call is resent after a 5xx or a dropped connection.
func (s *TagsService) BulkUpdate(ctx context.Context, req *BulkTagsRequest) (*BulkTagsResult, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	body := *req
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	if err := body.validate(); err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/contacts/bulk/tags/update/" + string(body.Operation),
		route: "/contacts/bulk/tags/update/{type}", body: body, idempotent: true}, self[BulkTagsResult])
}
