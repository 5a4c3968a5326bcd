package ghl

import (
	"encoding/json"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Event type values, as GHL sends them in the payload's "type" member; compare them with
// Event.EventType. The app lifecycle events use INSTALL, UNINSTALL and PLAN_CHANGE, not their
// documentation names. Association and relation payloads carry no "type" member in GHL's
// documentation; if they arrive without one, ParseEvent returns an *UnknownEvent, and
// json.Unmarshal of its Raw() into an *AssociationCreateEvent (or another of those types)
// decodes it.
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

// Event is a decoded webhook payload, as returned by WebhookVerifier.Verify and ParseEvent,
// and given to the Handler's function. The concrete types are pointers to the event structs,
// whose names end in Event (*ContactCreateEvent, *TaskCompleteEvent, *AppInstallEvent, ...);
// switch on them:
//
//	switch ev := ev.(type) {
//	case *ghl.ContactCreateEvent:
//		fmt.Println(ev.ID, ev.Email)
//	case *ghl.UnknownEvent:
//		// a type this SDK does not know yet; ev.Extra and ev.Raw() hold everything
//	}
type Event interface {
	// EventType is the payload's "type" member (one of the Event* constants for the types
	// this SDK knows); empty when the payload has none.
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

// EventEnvelope holds the members every webhook payload shares. Every event type embeds it,
// most of them through the payload struct of their family (ContactPayload, TaskPayload, ...).
type EventEnvelope struct {
	Type       string `json:"type,omitempty"`
	LocationID string `json:"locationId,omitempty"`
	// Timestamp is when GHL sent the event. Like every event time it keeps its original
	// text; a form that does not parse leaves the time zero with Raw set.
	Timestamp Time   `json:"timestamp,omitempty"`
	WebhookID string `json:"webhookId,omitempty"`

	raw    []byte
	fields jsonx.Presence
}

// EventType implements Event.
func (e *EventEnvelope) EventType() string { return e.Type }

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

// ContactPayload is what every contact event carries: the contact's fields, flat, next to
// the envelope. Code that treats several contact events alike takes a *ContactPayload
// (&ev.ContactPayload).
type ContactPayload struct {
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
	DNDSettings  *DNDSettings       `json:"dndSettings,omitempty"` // on ContactDndUpdateEvent
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
func (e *ContactPayload) CustomField(id string) (CustomFieldValue, bool) {
	for _, f := range e.CustomFields {
		if f.ID == id {
			return f, true
		}
	}
	return CustomFieldValue{}, false
}

// The contact events. Each is its own type so a type switch can tell them apart; their
// fields are ContactPayload's.
type (
	ContactCreateEvent    struct{ ContactPayload }
	ContactUpdateEvent    struct{ ContactPayload }
	ContactDeleteEvent    struct{ ContactPayload }
	ContactDndUpdateEvent struct{ ContactPayload }
	ContactTagUpdateEvent struct{ ContactPayload }
)

// NotePayload is what every note event carries.
type NotePayload struct {
	EventEnvelope
	ID        string `json:"id,omitempty"`
	Body      string `json:"body,omitempty"`
	ContactID string `json:"contactId,omitempty"`
	DateAdded Time   `json:"dateAdded,omitempty"`
	Extra     Extra  `json:"-"`
}

// The note events.
type (
	NoteCreateEvent struct{ NotePayload }
	NoteUpdateEvent struct{ NotePayload }
	NoteDeleteEvent struct{ NotePayload }
)

// TaskPayload is what every task event carries. It has no completed flag: the type
// TaskCompleteEvent says so.
type TaskPayload struct {
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
	TaskCreateEvent   struct{ TaskPayload }
	TaskCompleteEvent struct{ TaskPayload }
	TaskDeleteEvent   struct{ TaskPayload }
)

// AppointmentPayload is what every appointment event carries: the appointment is nested.
type AppointmentPayload struct {
	EventEnvelope
	Appointment *WebhookAppointment `json:"appointment,omitempty"`
	Extra       Extra               `json:"-"`
}

// WebhookAppointment is the appointment inside an appointment event (not the API's
// Appointment: its times carry an offset, "2023-09-25T16:00:00+05:30").
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
	AppointmentCreateEvent struct{ AppointmentPayload }
	AppointmentUpdateEvent struct{ AppointmentPayload }
	AppointmentDeleteEvent struct{ AppointmentPayload }
)

// AppInstallEvent is sent with type "INSTALL" when a location or agency installs the app.
// LocationID is empty on an agency-level install; CompanyID and UserID may be empty for
// installs on "future locations".
type AppInstallEvent struct {
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

// AppUninstallEvent is sent with type "UNINSTALL": LocationID is set for a location uninstall,
// CompanyID for an agency uninstall.
type AppUninstallEvent struct {
	EventEnvelope
	AppID     string `json:"appId,omitempty"`
	CompanyID string `json:"companyId,omitempty"`
	Extra     Extra  `json:"-"`
}

// PlanChangeEvent is sent with type "PLAN_CHANGE" when a location or agency changes its plan of
// the app.
type PlanChangeEvent struct {
	EventEnvelope
	AppID         string `json:"appId,omitempty"`
	CompanyID     string `json:"companyId,omitempty"`
	UserID        string `json:"userId,omitempty"`
	CurrentPlanID string `json:"currentPlanId,omitempty"`
	NewPlanID     string `json:"newPlanId,omitempty"`
	Extra         Extra  `json:"-"`
}

// CampaignStatusUpdateEvent reports a contact's status in a campaign.
type CampaignStatusUpdateEvent struct {
	EventEnvelope
	ID         string `json:"id,omitempty"`
	ContactID  string `json:"contactId,omitempty"`
	Status     string `json:"status,omitempty"`
	TemplateID string `json:"templateId,omitempty"`
	Replied    string `json:"replied,omitempty"`
	DateAdded  Time   `json:"dateAdded,omitempty"`
	Extra      Extra  `json:"-"`
}

// AssociationPayload is what every association event carries (a link definition between two
// object types). GHL documents no "type" member for it: see the Event* constants.
type AssociationPayload struct {
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
	AssociationCreateEvent struct{ AssociationPayload }
	AssociationUpdateEvent struct{ AssociationPayload }
	AssociationDeleteEvent struct{ AssociationPayload }
)

// RelationPayload is what every relation event carries (a link between two records). GHL
// documents no "type" member for it: see the Event* constants.
type RelationPayload struct {
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
	RelationCreateEvent struct{ RelationPayload }
	RelationDeleteEvent struct{ RelationPayload }
)

// UnknownEvent is a payload whose type this SDK does not know (or that has no type). Every
// member but the envelope's is in Extra; Raw returns the whole payload.
type UnknownEvent struct {
	EventEnvelope
	Extra Extra `json:"-"`
}

// JSON methods. Each payload type decodes and encodes with its codec (internal/jsonx),
// keeping unknown members in Extra and the members that were present with zero values, so a
// decoded event re-encodes to what GHL sent. The event types get them through embedding.

// UnmarshalJSON decodes a ContactPayload and keeps the fields it does not name.
func (e *ContactPayload) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the ContactPayload with the fields it does not name, as received.
func (e ContactPayload) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a NotePayload and keeps the fields it does not name.
func (e *NotePayload) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the NotePayload with the fields it does not name, as received.
func (e NotePayload) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a TaskPayload and keeps the fields it does not name.
func (e *TaskPayload) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the TaskPayload with the fields it does not name, as received.
func (e TaskPayload) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an AppointmentPayload and keeps the fields it does not name.
func (e *AppointmentPayload) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the AppointmentPayload with the fields it does not name, as received.
func (e AppointmentPayload) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an AppInstallEvent and keeps the fields it does not name.
func (e *AppInstallEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the AppInstallEvent with the fields it does not name, as received.
func (e AppInstallEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an AppUninstallEvent and keeps the fields it does not name.
func (e *AppUninstallEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the AppUninstallEvent with the fields it does not name, as received.
func (e AppUninstallEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a PlanChangeEvent and keeps the fields it does not name.
func (e *PlanChangeEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the PlanChangeEvent with the fields it does not name, as received.
func (e PlanChangeEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a CampaignStatusUpdateEvent and keeps the fields it does not name.
func (e *CampaignStatusUpdateEvent) UnmarshalJSON(b []byte) error {
	return unmarshalEvent(b, e)
}

// MarshalJSON encodes the CampaignStatusUpdateEvent with the fields it does not name, as received.
func (e CampaignStatusUpdateEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes an AssociationPayload and keeps the fields it does not name.
func (e *AssociationPayload) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the AssociationPayload with the fields it does not name, as received.
func (e AssociationPayload) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a RelationPayload and keeps the fields it does not name.
func (e *RelationPayload) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the RelationPayload with the fields it does not name, as received.
func (e RelationPayload) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

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
