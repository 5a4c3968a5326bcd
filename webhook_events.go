package ghl

import (
	"encoding/json"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Event type values, as GHL sends them in the payload's "type" member. The app lifecycle
// events use INSTALL, UNINSTALL and PLAN_CHANGE, not their documentation names. Association
// and relation payloads carry no "type" member in GHL's documentation: decode them with
// ParseEventAs and one of the EventAssociation* or EventRelation* kinds.
const (
	EventContactCreate        = "ContactCreate"
	EventContactUpdate        = "ContactUpdate"
	EventContactDelete        = "ContactDelete"
	EventContactDndUpdate     = "ContactDndUpdate"
	EventContactTagUpdate     = "ContactTagUpdate"
	EventNoteCreate           = "NoteCreate"
	EventNoteUpdate           = "NoteUpdate"
	EventNoteDelete           = "NoteDelete"
	EventTaskCreate           = "TaskCreate"
	EventTaskComplete         = "TaskComplete"
	EventTaskDelete           = "TaskDelete"
	EventAppointmentCreate    = "AppointmentCreate"
	EventAppointmentUpdate    = "AppointmentUpdate"
	EventAppointmentDelete    = "AppointmentDelete"
	EventAppInstall           = "INSTALL"
	EventAppUninstall         = "UNINSTALL"
	EventPlanChange           = "PLAN_CHANGE"
	EventCampaignStatusUpdate = "CampaignStatusUpdate"
	EventAssociationCreate    = "AssociationCreate"
	EventAssociationUpdate    = "AssociationUpdate"
	EventAssociationDelete    = "AssociationDelete"
	EventRelationCreate       = "RelationCreate"
	EventRelationDelete       = "RelationDelete"
)

// Event is a decoded webhook payload, as returned by WebhookVerifier.Verify, ParseEvent and
// ParseEventAs. The concrete types are pointers to the event structs (*ContactCreate,
// *TaskComplete, *AppInstall, ...); switch on them:
//
//	switch ev := ev.(type) {
//	case *ghl.ContactCreate:
//		fmt.Println(ev.ID, ev.Email)
//	case *ghl.UnknownEvent:
//		// a type this SDK does not know yet; ev.Extra and ev.Raw() hold everything
//	}
type Event interface {
	// EventType is the payload's "type" member, or the kind given to ParseEventAs when the
	// payload has none.
	EventType() string
	// EventLocationID is the payload's locationId (empty on agency-level app events).
	EventLocationID() string
	// EventWebhookID is the payload's webhookId, the delivery's deduplication key.
	EventWebhookID() string
	// EventTime is the payload's timestamp; zero when it is missing or unreadable.
	EventTime() time.Time
	// Raw returns the payload exactly as received (the bytes the signature covers). The
	// slice is the event's own; do not modify it.
	Raw() []byte

	envelope() *EventEnvelope
}

// EventEnvelope holds the members every webhook payload shares. Every event type embeds it.
type EventEnvelope struct {
	Type       string `json:"type,omitempty"`
	LocationID string `json:"locationId,omitempty"`
	// Timestamp is when GHL sent the event. Like every event time it keeps its original
	// text; a form that does not parse leaves the time zero with Raw set.
	Timestamp Time   `json:"timestamp,omitempty"`
	WebhookID string `json:"webhookId,omitempty"`

	kind   string
	raw    []byte
	fields jsonx.Presence
}

// EventType implements Event.
func (e *EventEnvelope) EventType() string {
	if e.Type != "" {
		return e.Type
	}
	return e.kind
}

// EventLocationID implements Event.
func (e *EventEnvelope) EventLocationID() string { return e.LocationID }

// EventWebhookID implements Event.
func (e *EventEnvelope) EventWebhookID() string { return e.WebhookID }

// EventTime implements Event.
func (e *EventEnvelope) EventTime() time.Time { return e.Timestamp.Time }

// Raw implements Event.
func (e *EventEnvelope) Raw() []byte { return e.raw }

func (e *EventEnvelope) envelope() *EventEnvelope    { return e }
func (e *EventEnvelope) codecState() *jsonx.Presence { return &e.fields }

// ContactEvent is the payload of the contact events: the contact's fields, flat, next to
// the envelope.
type ContactEvent struct {
	EventEnvelope
	ID           string             `json:"id,omitempty"`
	Address1     string             `json:"address1,omitempty"`
	City         string             `json:"city,omitempty"`
	State        string             `json:"state,omitempty"`
	CompanyName  string             `json:"companyName,omitempty"`
	Country      string             `json:"country,omitempty"`
	Source       string             `json:"source,omitempty"`
	DateAdded    Time               `json:"dateAdded,omitempty"`
	DateUpdated  Time               `json:"dateUpdated,omitempty"`
	DateOfBirth  string             `json:"dateOfBirth,omitempty"` // webhooks send a datetime, the API a date
	DND          bool               `json:"dnd,omitempty"`
	DNDSettings  *DNDSettings       `json:"dndSettings,omitempty"` // on ContactDndUpdate
	Email        string             `json:"email,omitempty"`
	Name         string             `json:"name,omitempty"`
	FirstName    string             `json:"firstName,omitempty"`
	LastName     string             `json:"lastName,omitempty"`
	Phone        string             `json:"phone,omitempty"`
	PostalCode   string             `json:"postalCode,omitempty"`
	Timezone     string             `json:"timezone,omitempty"`
	Tags         []string           `json:"tags,omitempty"`
	Website      string             `json:"website,omitempty"`
	Attachments  json.RawMessage    `json:"attachments,omitempty"`
	AssignedTo   string             `json:"assignedTo,omitempty"`
	CustomFields []CustomFieldValue `json:"customFields,omitempty"`

	// Extra holds the members this type does not name, and any named member whose JSON type
	// did not fit its field, so nothing GHL sent is lost.
	Extra Extra `json:"-"`
}

// CustomField returns the custom field with the given ID.
func (e *ContactEvent) CustomField(id string) (CustomFieldValue, bool) {
	for _, f := range e.CustomFields {
		if f.ID == id {
			return f, true
		}
	}
	return CustomFieldValue{}, false
}

// The contact events. Each is its own type so a type switch can tell them apart.
type (
	ContactCreate    struct{ ContactEvent }
	ContactUpdate    struct{ ContactEvent }
	ContactDelete    struct{ ContactEvent }
	ContactDndUpdate struct{ ContactEvent }
	ContactTagUpdate struct{ ContactEvent }
)

// NoteEvent is the payload of the note events.
type NoteEvent struct {
	EventEnvelope
	ID        string `json:"id,omitempty"`
	Body      string `json:"body,omitempty"`
	ContactID string `json:"contactId,omitempty"`
	DateAdded Time   `json:"dateAdded,omitempty"`
	Extra     Extra  `json:"-"`
}

// The note events.
type (
	NoteCreate struct{ NoteEvent }
	NoteUpdate struct{ NoteEvent }
	NoteDelete struct{ NoteEvent }
)

// TaskEvent is the payload of the task events. It carries no completed flag: TaskComplete
// itself says so.
type TaskEvent struct {
	EventEnvelope
	ID         string `json:"id,omitempty"`
	AssignedTo string `json:"assignedTo,omitempty"`
	Body       string `json:"body,omitempty"`
	ContactID  string `json:"contactId,omitempty"`
	Title      string `json:"title,omitempty"`
	DateAdded  Time   `json:"dateAdded,omitempty"`
	DueDate    Time   `json:"dueDate,omitempty"`
	Extra      Extra  `json:"-"`
}

// The task events.
type (
	TaskCreate   struct{ TaskEvent }
	TaskComplete struct{ TaskEvent }
	TaskDelete   struct{ TaskEvent }
)

// AppointmentEvent is the payload of the appointment events: the appointment is nested.
type AppointmentEvent struct {
	EventEnvelope
	Appointment *WebhookAppointment `json:"appointment,omitempty"`
	Extra       Extra               `json:"-"`
}

// WebhookAppointment is the appointment inside an appointment event. Its times carry an
// offset ("2023-09-25T16:00:00+05:30").
type WebhookAppointment struct {
	ID                string   `json:"id,omitempty"`
	Address           string   `json:"address,omitempty"`
	Title             string   `json:"title,omitempty"`
	CalendarID        string   `json:"calendarId,omitempty"`
	ContactID         string   `json:"contactId,omitempty"`
	GroupID           string   `json:"groupId,omitempty"`
	AppointmentStatus string   `json:"appointmentStatus,omitempty"`
	AssignedUserID    string   `json:"assignedUserId,omitempty"`
	Users             []string `json:"users,omitempty"`
	Notes             string   `json:"notes,omitempty"`
	Source            string   `json:"source,omitempty"`
	StartTime         Time     `json:"startTime,omitempty"`
	EndTime           Time     `json:"endTime,omitempty"`
	DateAdded         Time     `json:"dateAdded,omitempty"`
	DateUpdated       Time     `json:"dateUpdated,omitempty"`
	Extra             Extra    `json:"-"`

	fields jsonx.Presence
}

func (a *WebhookAppointment) codecState() *jsonx.Presence { return &a.fields }

// The appointment events.
type (
	AppointmentCreate struct{ AppointmentEvent }
	AppointmentUpdate struct{ AppointmentEvent }
	AppointmentDelete struct{ AppointmentEvent }
)

// AppInstall is sent with type "INSTALL" when a location or agency installs the app.
// LocationID is empty on an agency-level install; CompanyID and UserID may be empty for
// installs on "future locations".
type AppInstall struct {
	EventEnvelope
	AppID               string             `json:"appId,omitempty"`
	VersionID           string             `json:"versionId,omitempty"`
	InstallType         string             `json:"installType,omitempty"`
	CompanyID           string             `json:"companyId,omitempty"`
	UserID              string             `json:"userId,omitempty"`
	PlanID              string             `json:"planId,omitempty"`
	LocationIDs         []string           `json:"locationIds,omitempty"` // bulk installs
	Trial               *AppTrial          `json:"trial,omitempty"`
	IsWhitelabelCompany bool               `json:"isWhitelabelCompany,omitempty"`
	WhitelabelDetails   *WhitelabelDetails `json:"whitelabelDetails,omitempty"`
	CompanyName         string             `json:"companyName,omitempty"`
	Extra               Extra              `json:"-"`
}

// AppTrial describes the trial an install started.
type AppTrial struct {
	OnTrial        bool    `json:"onTrial,omitempty"`
	TrialDuration  float64 `json:"trialDuration,omitempty"` // days
	TrialStartDate Time    `json:"trialStartDate,omitempty"`
	Extra          Extra   `json:"-"`

	fields jsonx.Presence
}

func (t *AppTrial) codecState() *jsonx.Presence { return &t.fields }

// WhitelabelDetails describes a white-labelled agency.
type WhitelabelDetails struct {
	Domain  string `json:"domain,omitempty"`
	LogoURL string `json:"logoUrl,omitempty"`
	Extra   Extra  `json:"-"`

	fields jsonx.Presence
}

func (w *WhitelabelDetails) codecState() *jsonx.Presence { return &w.fields }

// AppUninstall is sent with type "UNINSTALL": LocationID is set for a location uninstall,
// CompanyID for an agency uninstall.
type AppUninstall struct {
	EventEnvelope
	AppID     string `json:"appId,omitempty"`
	CompanyID string `json:"companyId,omitempty"`
	Extra     Extra  `json:"-"`
}

// PlanChange is sent with type "PLAN_CHANGE" when a location or agency changes its plan of
// the app.
type PlanChange struct {
	EventEnvelope
	AppID         string `json:"appId,omitempty"`
	CompanyID     string `json:"companyId,omitempty"`
	UserID        string `json:"userId,omitempty"`
	CurrentPlanID string `json:"currentPlanId,omitempty"`
	NewPlanID     string `json:"newPlanId,omitempty"`
	Extra         Extra  `json:"-"`
}

// CampaignStatusUpdate reports a contact's status in a campaign.
type CampaignStatusUpdate struct {
	EventEnvelope
	ID         string `json:"id,omitempty"`
	ContactID  string `json:"contactId,omitempty"`
	Status     string `json:"status,omitempty"`
	TemplateID string `json:"templateId,omitempty"`
	Replied    string `json:"replied,omitempty"`
	DateAdded  Time   `json:"dateAdded,omitempty"`
	Extra      Extra  `json:"-"`
}

// AssociationEvent is the payload of the association events (a link definition between two
// object types). GHL documents no "type" member for it: decode it with ParseEventAs.
type AssociationEvent struct {
	EventEnvelope
	ID                                   string `json:"id,omitempty"`
	AssociationType                      string `json:"associationType,omitempty"` // USER_DEFINED or SYSTEM_DEFINED
	FirstObjectKey                       string `json:"firstObjectKey,omitempty"`
	FirstObjectLabel                     string `json:"firstObjectLabel,omitempty"`
	FirstObjectToSecondObjectCardinality string `json:"firstObjectToSecondObjectCardinality,omitempty"`
	SecondObjectKey                      string `json:"secondObjectKey,omitempty"`
	SecondObjectLabel                    string `json:"secondObjectLabel,omitempty"`
	SecondObjectToFirstObjectCardinality string `json:"secondObjectToFirstObjectCardinality,omitempty"`
	Key                                  string `json:"key,omitempty"`
	Extra                                Extra  `json:"-"`
}

// The association events.
type (
	AssociationCreate struct{ AssociationEvent }
	AssociationUpdate struct{ AssociationEvent }
	AssociationDelete struct{ AssociationEvent }
)

// RelationEvent is the payload of the relation events (a link between two records). GHL
// documents no "type" member for it: decode it with ParseEventAs.
type RelationEvent struct {
	EventEnvelope
	ID              string `json:"id,omitempty"`
	FirstObjectKey  string `json:"firstObjectKey,omitempty"`
	FirstRecordID   string `json:"firstRecordId,omitempty"`
	SecondObjectKey string `json:"secondObjectKey,omitempty"` // e.g. "contact"
	SecondRecordID  string `json:"secondRecordId,omitempty"`
	AssociationID   string `json:"associationId,omitempty"`
	Extra           Extra  `json:"-"`
}

// The relation events.
type (
	RelationCreate struct{ RelationEvent }
	RelationDelete struct{ RelationEvent }
)

// UnknownEvent is a payload whose type this SDK does not know (or that has no type). Every
// member but the envelope's is in Extra; Raw returns the whole payload.
type UnknownEvent struct {
	EventEnvelope
	Extra Extra `json:"-"`
}

// JSON methods. Each event base type decodes and encodes with its codec, keeping unknown
// members in Extra and the members that were present with zero values, so a decoded event
// re-encodes to what GHL sent.

// UnmarshalJSON decodes a ContactEvent and keeps the fields it does not name.
func (e *ContactEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the ContactEvent with the fields it does not name, as received.
func (e ContactEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a NoteEvent and keeps the fields it does not name.
func (e *NoteEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the NoteEvent with the fields it does not name, as received.
func (e NoteEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a TaskEvent and keeps the fields it does not name.
func (e *TaskEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the TaskEvent with the fields it does not name, as received.
func (e TaskEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an AppointmentEvent and keeps the fields it does not name.
func (e *AppointmentEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the AppointmentEvent with the fields it does not name, as received.
func (e AppointmentEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an AppInstall and keeps the fields it does not name.
func (e *AppInstall) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the AppInstall with the fields it does not name, as received.
func (e AppInstall) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an AppUninstall and keeps the fields it does not name.
func (e *AppUninstall) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the AppUninstall with the fields it does not name, as received.
func (e AppUninstall) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a PlanChange and keeps the fields it does not name.
func (e *PlanChange) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the PlanChange with the fields it does not name, as received.
func (e PlanChange) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a CampaignStatusUpdate and keeps the fields it does not name.
func (e *CampaignStatusUpdate) UnmarshalJSON(b []byte) error {
	return unmarshalEvent(b, e)
}

// MarshalJSON encodes the CampaignStatusUpdate with the fields it does not name, as received.
func (e CampaignStatusUpdate) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an AssociationEvent and keeps the fields it does not name.
func (e *AssociationEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the AssociationEvent with the fields it does not name, as received.
func (e AssociationEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a RelationEvent and keeps the fields it does not name.
func (e *RelationEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the RelationEvent with the fields it does not name, as received.
func (e RelationEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an UnknownEvent and keeps the fields it does not name.
func (e *UnknownEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the UnknownEvent with the fields it does not name, as received.
func (e UnknownEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a WebhookAppointment and keeps the fields it does not name.
func (a *WebhookAppointment) UnmarshalJSON(b []byte) error { return unmarshalObject(b, a) }

// MarshalJSON encodes the WebhookAppointment with the fields it does not name, as received.
func (a WebhookAppointment) MarshalJSON() ([]byte, error) { return marshalObject(&a) }

// UnmarshalJSON decodes an AppTrial and keeps the fields it does not name.
func (t *AppTrial) UnmarshalJSON(b []byte) error { return unmarshalObject(b, t) }

// MarshalJSON encodes the AppTrial with the fields it does not name, as received.
func (t AppTrial) MarshalJSON() ([]byte, error) { return marshalObject(&t) }

// UnmarshalJSON decodes a WhitelabelDetails and keeps the fields it does not name.
func (w *WhitelabelDetails) UnmarshalJSON(b []byte) error { return unmarshalObject(b, w) }

// MarshalJSON encodes the WhitelabelDetails with the fields it does not name, as received.
func (w WhitelabelDetails) MarshalJSON() ([]byte, error) { return marshalObject(&w) }
