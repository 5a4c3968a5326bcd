package ghl

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

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
func (r *FollowersResult) UnmarshalJSON(data []byte) error { return decodeModel(data, r) }

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
func (r *BulkBusinessResult) UnmarshalJSON(data []byte) error { return decodeModel(data, r) }

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

// ack is the acknowledgement GHL sends for actions, in its misspelled form and the corrected
// one later API versions add.
type ack struct {
	Succeded  *bool `json:"succeded"`
	Succeeded *bool `json:"succeeded"`
}

func (a *ack) failed() bool {
	return (a.Succeded != nil && !*a.Succeded) || (a.Succeeded != nil && !*a.Succeeded)
}

// doAck sends req and turns a 2xx acknowledgement that reports failure into a
// *NotSucceededError.
func (c *Client) doAck(ctx context.Context, req *request) (*Response, error) {
	return c.do(ctx, req, new(ack))
}
