package ghl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
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
	fields fieldSet
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

func (e *EventEnvelope) envelope() *EventEnvelope { return e }
func (e *EventEnvelope) codecState() *fieldSet    { return &e.fields }

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

	fields fieldSet
}

func (a *WebhookAppointment) codecState() *fieldSet { return &a.fields }

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

	fields fieldSet
}

func (t *AppTrial) codecState() *fieldSet { return &t.fields }

// WhitelabelDetails describes a white-labelled agency.
type WhitelabelDetails struct {
	Domain  string `json:"domain,omitempty"`
	LogoURL string `json:"logoUrl,omitempty"`
	Extra   Extra  `json:"-"`

	fields fieldSet
}

func (w *WhitelabelDetails) codecState() *fieldSet { return &w.fields }

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

// eventKind says how to build and decode one event type.
type eventKind struct {
	newEvent func() Event
	codec    *objectCodec
}

func kindOf[T any, P interface {
	*T
	Event
}]() eventKind {
	return eventKind{
		newEvent: func() Event { return P(new(T)) },
		codec:    newObjectCodec(reflect.TypeOf((*T)(nil)).Elem()),
	}
}

// eventKinds maps each type value (and each kind ParseEventAs accepts) to its event type. It
// is built once and only read.
var eventKinds = map[string]eventKind{
	EventContactCreate:        kindOf[ContactCreate](),
	EventContactUpdate:        kindOf[ContactUpdate](),
	EventContactDelete:        kindOf[ContactDelete](),
	EventContactDndUpdate:     kindOf[ContactDndUpdate](),
	EventContactTagUpdate:     kindOf[ContactTagUpdate](),
	EventNoteCreate:           kindOf[NoteCreate](),
	EventNoteUpdate:           kindOf[NoteUpdate](),
	EventNoteDelete:           kindOf[NoteDelete](),
	EventTaskCreate:           kindOf[TaskCreate](),
	EventTaskComplete:         kindOf[TaskComplete](),
	EventTaskDelete:           kindOf[TaskDelete](),
	EventAppointmentCreate:    kindOf[AppointmentCreate](),
	EventAppointmentUpdate:    kindOf[AppointmentUpdate](),
	EventAppointmentDelete:    kindOf[AppointmentDelete](),
	EventAppInstall:           kindOf[AppInstall](),
	EventAppUninstall:         kindOf[AppUninstall](),
	EventPlanChange:           kindOf[PlanChange](),
	EventCampaignStatusUpdate: kindOf[CampaignStatusUpdate](),
	EventAssociationCreate:    kindOf[AssociationCreate](),
	EventAssociationUpdate:    kindOf[AssociationUpdate](),
	EventAssociationDelete:    kindOf[AssociationDelete](),
	EventRelationCreate:       kindOf[RelationCreate](),
	EventRelationDelete:       kindOf[RelationDelete](),
}

var unknownKind = kindOf[UnknownEvent]()

// codecs of the types that have JSON methods, by type, for unmarshalEvent and marshalEvent.
var objectCodecs = func() map[reflect.Type]*objectCodec {
	m := map[reflect.Type]*objectCodec{}
	for _, t := range []reflect.Type{
		reflect.TypeOf(ContactEvent{}), reflect.TypeOf(NoteEvent{}), reflect.TypeOf(TaskEvent{}),
		reflect.TypeOf(AppointmentEvent{}), reflect.TypeOf(AppInstall{}), reflect.TypeOf(AppUninstall{}),
		reflect.TypeOf(PlanChange{}), reflect.TypeOf(CampaignStatusUpdate{}),
		reflect.TypeOf(AssociationEvent{}), reflect.TypeOf(RelationEvent{}), reflect.TypeOf(UnknownEvent{}),
		reflect.TypeOf(WebhookAppointment{}), reflect.TypeOf(AppTrial{}), reflect.TypeOf(WhitelabelDetails{}),
	} {
		m[t] = newObjectCodec(t)
	}
	return m
}()

// ErrMalformedWebhook is matched by every *WebhookPayloadError.
var ErrMalformedWebhook = errors.New("ghl: malformed webhook payload")

// WebhookPayloadError reports a payload that is not a JSON object, or lacks what the verifier
// needs (a webhookId). From Verify it means the signature was valid: the sender signed
// something that is not a usable event.
type WebhookPayloadError struct {
	Reason string
	Err    error // the underlying syntax error, if any
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *WebhookPayloadError) Error() string {
	if e.Err != nil {
		return "ghl: malformed webhook payload: " + e.Reason + ": " + e.Err.Error()
	}
	return "ghl: malformed webhook payload: " + e.Reason
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *WebhookPayloadError) Unwrap() error { return e.Err }

// Is matches ErrMalformedWebhook.
func (e *WebhookPayloadError) Is(target error) bool { return target == ErrMalformedWebhook }

// ParseEvent decodes a webhook payload without verifying it: use it on payloads that were
// verified elsewhere, or in tests. The event's type comes from the "type" member; a type this
// SDK does not know, or a payload without one (association and relation events), gives an
// *UnknownEvent, never an error. Only a body that is not a JSON object is an error (a
// *WebhookPayloadError). The event keeps its own copy of body.
//
// A member whose JSON type does not fit its field (a number where GHL documents a string) is
// kept in the event's Extra under its own name instead of failing the event, and a time in a
// form that does not parse keeps its text with a zero time.
func ParseEvent(body []byte) (Event, error) {
	return parseEvent(append([]byte(nil), body...), "")
}

// ParseEventAs decodes body as the event type registered for kind (one of the Event*
// constants), whatever its "type" member says. It is the way to decode association and
// relation payloads, which carry no type: route them by the URL or subscription they arrived
// on, or by ParseEvent's *UnknownEvent and your own rule.
func ParseEventAs(kind string, body []byte) (Event, error) {
	if _, ok := eventKinds[kind]; !ok {
		return nil, &InvalidParamError{Param: "kind", Reason: fmt.Sprintf("%q is not a known event type", kind)}
	}
	return parseEvent(append([]byte(nil), body...), kind)
}

// parseEvent decodes body, which the event keeps (the caller passes its own copy).
func parseEvent(body []byte, kind string) (Event, error) {
	var buf [48]wjMember
	members, err := scanObject(body, buf[:0])
	if err != nil {
		return nil, &WebhookPayloadError{Reason: "not a JSON object", Err: err}
	}
	k := unknownKind
	if kind != "" {
		k = eventKinds[kind]
	} else {
		for _, m := range members {
			if string(m.key) == `"type"` || (bytes.IndexByte(m.key, '\\') >= 0 && unquotedIs(m.key, "type")) {
				var t string
				if m.val[0] == '"' {
					t, _ = wjUnquote(m.val)
				}
				if found, ok := eventKinds[t]; ok {
					k = found
				} else {
					k = unknownKind
				}
			}
		}
	}
	ev := k.newEvent()
	v := reflect.ValueOf(ev).Elem()
	if err := k.codec.decodeMembers(members, v); err != nil {
		return nil, &WebhookPayloadError{Reason: "undecodable member", Err: err}
	}
	env := ev.envelope()
	env.raw = body
	env.kind = kind
	return ev, nil
}

// unmarshalEvent decodes a copy of b: values and Extra alias the event's own bytes, never the
// caller's buffer.
func unquotedIs(q []byte, name string) bool {
	s, err := wjUnquote(q)
	return err == nil && s == name
}

func unmarshalEvent(b []byte, ev Event) error {
	b = append([]byte(nil), bytes.TrimSpace(b)...)
	v := reflect.ValueOf(ev).Elem()
	if err := objectCodecs[v.Type()].decode(b, v); err != nil {
		return err
	}
	ev.envelope().raw = b
	return nil
}

func marshalEvent(ev Event) ([]byte, error) {
	v := reflect.ValueOf(ev).Elem()
	return objectCodecs[v.Type()].encode(v)
}

func unmarshalObject(b []byte, p codecStater) error {
	b = append([]byte(nil), b...)
	v := reflect.ValueOf(p).Elem()
	return objectCodecs[v.Type()].decode(b, v)
}

func marshalObject(p codecStater) ([]byte, error) {
	v := reflect.ValueOf(p).Elem()
	return objectCodecs[v.Type()].encode(v)
}

// The codec below decodes a flat JSON object into a struct in one validating pass, without
// encoding/json's reflection walk, so that Verify adds little to the signature check. It
// keeps unknown members in the struct's Extra, records which named members were present
// (with zero values or null) so they are written back, and sends members whose JSON type does
// not fit their field to Extra. Values it has no fast path for go through encoding/json.

// fieldSet records, per named field (by codec index), whether the member was present,
// whether it was null, and whether a time came as a JSON number (epoch milliseconds) rather
// than a string.
type fieldSet struct{ present, null, number uint64 }

type codecStater interface{ codecState() *fieldSet }

type fieldKind uint8

const (
	fkString fieldKind = iota
	fkBool
	fkStrings
	fkTime
	fkRaw
	fkCustomFields
	fkObject // pointer to a struct with its own codec
	fkOther  // anything else: encoding/json
)

type codecField struct {
	name  string
	index []int
	kind  fieldKind
	typ   reflect.Type
	sub   *objectCodec
}

type objectCodec struct {
	fields []codecField
	byName map[string]int
	extra  []int // index of the Extra field
}

var (
	wjTimeType    = reflect.TypeOf(Time{})
	wjRawType     = reflect.TypeOf(json.RawMessage(nil))
	wjExtraType   = reflect.TypeOf(Extra(nil))
	wjStaterType  = reflect.TypeOf((*codecStater)(nil)).Elem()
	wjStringsType = reflect.TypeOf([]string(nil))
)

func newObjectCodec(t reflect.Type) *objectCodec {
	c := &objectCodec{byName: map[string]int{}}
	c.collect(t, nil)
	if len(c.fields) > 64 {
		panic("ghl: event type " + t.Name() + " has more than 64 fields")
	}
	if c.extra == nil {
		panic("ghl: event type " + t.Name() + " has no Extra field")
	}
	if !reflect.PointerTo(t).Implements(wjStaterType) {
		panic("ghl: event type " + t.Name() + " keeps no field state")
	}
	return c
}

func (c *objectCodec) collect(t reflect.Type, prefix []int) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			c.collect(sf.Type, index)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if sf.Type == wjExtraType {
			if c.extra == nil || len(index) < len(c.extra) {
				c.extra = index
			}
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := codecField{name: name, index: index, typ: sf.Type, kind: fkOther}
		switch {
		case sf.Type.Kind() == reflect.String:
			f.kind = fkString
		case sf.Type.Kind() == reflect.Bool:
			f.kind = fkBool
		case sf.Type == wjTimeType:
			f.kind = fkTime
		case sf.Type == wjRawType:
			f.kind = fkRaw
		case sf.Type == wjStringsType:
			f.kind = fkStrings
		case sf.Type == reflect.TypeOf([]CustomFieldValue(nil)):
			f.kind = fkCustomFields
		case sf.Type.Kind() == reflect.Pointer && sf.Type.Implements(wjStaterType):
			f.kind = fkObject
			f.sub = newObjectCodec(sf.Type.Elem())
		}
		c.byName[name] = len(c.fields)
		c.fields = append(c.fields, f)
	}
}

func (c *objectCodec) decode(data []byte, v reflect.Value) error {
	var buf [32]wjMember
	members, err := scanObject(data, buf[:0])
	if err != nil {
		return err
	}
	return c.decodeMembers(members, v)
}

// decodeMembers sets v (an addressable struct) from members, which scanObject validated.
func (c *objectCodec) decodeMembers(members []wjMember, v reflect.Value) error {
	st := v.Addr().Interface().(codecStater).codecState()
	*st = fieldSet{}
	var extra Extra
	for _, m := range members {
		// Look the name up without allocating; only escaped and unknown names become strings.
		inner := m.key[1 : len(m.key)-1]
		var key string
		var i int
		var ok bool
		if bytes.IndexByte(inner, '\\') < 0 {
			i, ok = c.byName[string(inner)]
		} else {
			var err error
			if key, err = wjUnquote(m.key); err != nil {
				return err
			}
			i, ok = c.byName[key]
		}
		if !ok {
			if key == "" {
				var err error
				if key, err = wjUnquote(m.key); err != nil {
					return err
				}
			}
			if extra == nil {
				extra = make(Extra)
			}
			extra[key] = json.RawMessage(m.val)
			continue
		}
		f := &c.fields[i]
		fv := v.FieldByIndex(f.index)
		bit := uint64(1) << i
		// A repeated member replaces the earlier one, as in encoding/json.
		st.present &^= bit
		st.null &^= bit
		st.number &^= bit
		if extra != nil {
			delete(extra, f.name)
		}
		fv.SetZero()
		if string(m.val) == "null" {
			st.present |= bit
			st.null |= bit
			continue
		}
		if f.kind == fkTime && m.val[0] != '"' {
			st.number |= bit
		}
		fits, err := c.set(f, fv, m.val)
		if err != nil {
			return err
		}
		if !fits {
			if extra == nil {
				extra = make(Extra)
			}
			extra[f.name] = json.RawMessage(m.val)
			continue
		}
		st.present |= bit
	}
	v.FieldByIndex(c.extra).Set(reflect.ValueOf(extra))
	return nil
}

// set decodes val into fv. It reports false when val's JSON type does not fit the field.
func (c *objectCodec) set(f *codecField, fv reflect.Value, val []byte) (bool, error) {
	switch f.kind {
	case fkString:
		if val[0] != '"' {
			return false, nil
		}
		s, err := wjUnquote(val)
		if err != nil {
			return false, err
		}
		fv.SetString(s)
	case fkBool:
		switch string(val) {
		case "true":
			fv.SetBool(true)
		case "false":
		default:
			return false, nil
		}
	case fkTime:
		var s string
		switch {
		case val[0] == '"':
			var err error
			if s, err = wjUnquote(val); err != nil {
				return false, err
			}
		case val[0] == '-' || (val[0] >= '0' && val[0] <= '9'):
			s = string(val) // epoch milliseconds
		default:
			return false, nil
		}
		t, err := parseTime(s)
		if err != nil {
			t = Time{}
		}
		t.Raw = s
		*fv.Addr().Interface().(*Time) = t
	case fkRaw:
		fv.SetBytes(val)
	case fkStrings:
		list, ok, err := wjStringList(val)
		if err != nil || !ok {
			return false, err
		}
		*fv.Addr().Interface().(*[]string) = list
	case fkCustomFields:
		list, ok, err := wjCustomFields(val)
		if err != nil {
			return false, err
		}
		if ok {
			*fv.Addr().Interface().(*[]CustomFieldValue) = list
			return true, nil
		}
		return c.setOther(f, fv, val)
	case fkObject:
		if val[0] != '{' {
			return false, nil
		}
		p := reflect.New(f.typ.Elem())
		if err := f.sub.decode(val, p.Elem()); err != nil {
			return false, err
		}
		fv.Set(p)
	default:
		return c.setOther(f, fv, val)
	}
	return true, nil
}

func (c *objectCodec) setOther(f *codecField, fv reflect.Value, val []byte) (bool, error) {
	p := reflect.New(f.typ)
	if err := json.Unmarshal(val, p.Interface()); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return false, nil
		}
		return false, err
	}
	fv.Set(p.Elem())
	return true, nil
}

// wjCustomFields decodes [{"id": "...", "value": ...}, ...]; ok is false when an item has
// other members or an id that is not a string, which encoding/json then handles.
func wjCustomFields(val []byte) (list []CustomFieldValue, ok bool, err error) {
	if val[0] != '[' {
		return nil, false, nil
	}
	s := wjScanner{b: val, i: 1}
	list = make([]CustomFieldValue, 0, 4)
	s.ws()
	if s.eat(']') {
		return list, true, nil
	}
	var buf [4]wjMember
	for {
		s.ws()
		start := s.i
		if err := s.value(2); err != nil {
			return nil, false, err
		}
		item := val[start:s.i]
		if item[0] != '{' {
			return nil, false, nil
		}
		members, err := scanObject(item, buf[:0])
		if err != nil {
			return nil, false, err
		}
		var f CustomFieldValue
		for _, m := range members {
			switch string(m.key) {
			case `"id"`:
				if m.val[0] != '"' {
					return nil, false, nil
				}
				if f.ID, err = wjUnquote(m.val); err != nil {
					return nil, false, err
				}
			case `"value"`:
				f.Value = json.RawMessage(m.val)
			default:
				return nil, false, nil
			}
		}
		list = append(list, f)
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return list, true, nil
		}
		return nil, false, errWJSyntax
	}
}

// wjStringList decodes a JSON array of strings; ok is false for anything else.
func wjStringList(val []byte) (list []string, ok bool, err error) {
	if val[0] != '[' {
		return nil, false, nil
	}
	s := wjScanner{b: val, i: 1}
	list = make([]string, 0, 8)
	s.ws()
	if s.eat(']') {
		return list, true, nil
	}
	for {
		s.ws()
		start := s.i
		if s.i >= len(val) || val[s.i] != '"' {
			return nil, false, nil
		}
		if err := s.str(); err != nil {
			return nil, false, err
		}
		str, err := wjUnquote(val[start:s.i])
		if err != nil {
			return nil, false, err
		}
		list = append(list, str)
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return list, true, nil
		}
		return nil, false, errWJSyntax
	}
}

// encode writes v's named fields that hold a value or were present, then Extra's members in
// sorted order (a named field that was written wins over an Extra member of the same name).
func (c *objectCodec) encode(v reflect.Value) ([]byte, error) {
	st := v.Addr().Interface().(codecStater).codecState()
	out := []byte{'{'}
	var written uint64
	for i := range c.fields {
		f := &c.fields[i]
		fv := v.FieldByIndex(f.index)
		bit := uint64(1) << i
		var val []byte
		if fv.IsZero() {
			switch {
			case st.null&bit != 0:
				val = []byte("null")
			case st.present&bit == 0:
				continue
			case f.kind == fkTime:
				val = []byte(`""`) // present but empty
			}
		}
		if val == nil && f.kind == fkTime {
			// A decoded time is written back in the form it came in.
			if t := fv.Interface().(Time); t.Raw != "" {
				if st.number&bit != 0 && wjIsNumber(t.Raw) {
					val = []byte(t.Raw)
				} else {
					val = wjAppendQuoted(nil, t.Raw)
				}
			}
		}
		if val == nil {
			var err error
			if val, err = c.encodeValue(f, fv); err != nil {
				return nil, fmt.Errorf("ghl: encoding %s: %w", f.name, err)
			}
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = wjAppendQuoted(out, f.name)
		out = append(out, ':')
		out = append(out, val...)
		written |= bit
	}
	extra, _ := v.FieldByIndex(c.extra).Interface().(Extra)
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if i, ok := c.byName[k]; ok && written&(uint64(1)<<i) != 0 {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := []byte(extra[k])
		if len(val) == 0 {
			val = []byte("null")
		}
		if !json.Valid(val) {
			return nil, fmt.Errorf("ghl: invalid JSON in Extra member %q", k)
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = wjAppendQuoted(out, k)
		out = append(out, ':')
		out = append(out, val...)
	}
	return append(out, '}'), nil
}

func (c *objectCodec) encodeValue(f *codecField, fv reflect.Value) ([]byte, error) {
	switch f.kind {
	case fkString:
		return wjAppendQuoted(nil, fv.String()), nil
	case fkTime:
		return fv.Interface().(Time).MarshalJSON()
	case fkObject:
		return f.sub.encode(fv.Elem())
	}
	return json.Marshal(fv.Interface())
}

func wjIsNumber(s string) bool {
	sc := wjScanner{b: []byte(s)}
	return s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) && sc.number() == nil && sc.i == len(s)
}

func wjAppendQuoted(dst []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(dst, b...)
}

// wjMember is one member of a JSON object: the key with its quotes, and the value.
type wjMember struct{ key, val []byte }

// scanObject validates data as one JSON object (with nothing but white space around it) and
// appends its members to buf.
func scanObject(data []byte, buf []wjMember) ([]wjMember, error) {
	s := wjScanner{b: data}
	s.ws()
	if !s.eat('{') {
		return nil, errors.New("not a JSON object")
	}
	s.ws()
	if !s.eat('}') {
		for {
			s.ws()
			kStart := s.i
			if err := s.str(); err != nil {
				return nil, err
			}
			key := data[kStart:s.i]
			s.ws()
			if !s.eat(':') {
				return nil, s.errAt("expected ':'")
			}
			s.ws()
			vStart := s.i
			if err := s.value(1); err != nil {
				return nil, err
			}
			buf = append(buf, wjMember{key: key, val: data[vStart:s.i]})
			s.ws()
			if s.eat(',') {
				continue
			}
			if s.eat('}') {
				break
			}
			return nil, s.errAt("expected ',' or '}'")
		}
	}
	s.ws()
	if s.i != len(data) {
		return nil, s.errAt("data after the object")
	}
	return buf, nil
}

var errWJSyntax = errors.New("invalid JSON")

// wjMaxDepth bounds nesting like encoding/json does, so hostile input cannot exhaust the stack.
const wjMaxDepth = 10000

// wjScanner is a strict JSON validator (RFC 8259) that reports value extents.
type wjScanner struct {
	b []byte
	i int
}

func (s *wjScanner) errAt(what string) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", s.i, what)
}

func (s *wjScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *wjScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *wjScanner) str() error {
	if !s.eat('"') {
		return s.errAt("expected a string")
	}
	for s.i < len(s.b) {
		// Skip plain bytes in a tight loop; only quotes, escapes and control bytes stop it.
		for s.i < len(s.b) && wjPlain[s.b[s.i]] {
			s.i++
		}
		if s.i >= len(s.b) {
			break
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return s.errAt("unterminated escape")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return s.errAt("short \\u escape")
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return s.errAt("bad \\u escape")
					}
				}
				s.i += 6
			default:
				return s.errAt("bad escape")
			}
		default:
			return s.errAt("control character in string")
		}
	}
	return s.errAt("unterminated string")
}

// wjPlain marks the bytes a JSON string may hold as they are. It is built once and only read.
var wjPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *wjScanner) value(depth int) error {
	if depth > wjMaxDepth {
		return s.errAt("nested too deeply")
	}
	if s.i >= len(s.b) {
		return s.errAt("unexpected end")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		s.i++
		s.ws()
		if s.eat('}') {
			return nil
		}
		for {
			s.ws()
			if err := s.str(); err != nil {
				return err
			}
			s.ws()
			if !s.eat(':') {
				return s.errAt("expected ':'")
			}
			s.ws()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.eat(',') {
				continue
			}
			if s.eat('}') {
				return nil
			}
			return s.errAt("expected ',' or '}'")
		}
	case c == '[':
		s.i++
		s.ws()
		if s.eat(']') {
			return nil
		}
		for {
			s.ws()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.eat(',') {
				continue
			}
			if s.eat(']') {
				return nil
			}
			return s.errAt("expected ',' or ']'")
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		return s.errAt("unexpected character")
	}
}

func (s *wjScanner) literal(lit string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return s.errAt("bad literal")
	}
	s.i += len(lit)
	return nil
}

func (s *wjScanner) number() error {
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return s.errAt("bad number")
	}
	if s.eat('.') {
		if s.digits() == 0 {
			return s.errAt("bad fraction")
		}
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if s.digits() == 0 {
			return s.errAt("bad exponent")
		}
	}
	return nil
}

func (s *wjScanner) digits() int {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

// wjUnquote decodes a validated JSON string (with its quotes). Plain ASCII and valid UTF-8
// without escapes take the fast path.
func wjUnquote(q []byte) (string, error) {
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(q, &s)
	return s, err
}
