package ghl

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// ParseEvent decodes a webhook payload without verifying it: use it on payloads that were
// verified elsewhere, or in tests. The event's type comes from the "type" member; a type this
// SDK does not know, or a payload without one, gives an *UnknownEvent, never an error. Only a body that is not a JSON object is an error (a
// *WebhookPayloadError). The event keeps its own copy of body.
//
// A member whose JSON type does not fit its field (a number where GHL documents a string) is
// kept in the event's Extra under its own name instead of failing the event, and a time in a
// form that does not parse keeps its text with a zero time.
func ParseEvent(body []byte) (Event, error) {
	return parseEvent(ownCopy(body))
}

// ownCopy copies a payload for the event to keep. make and copy, unlike append to nil, are
// one allocation that is not cleared first, and leave no spare capacity.
func ownCopy(body []byte) []byte {
	b := make([]byte, len(body))
	copy(b, body)
	return b
}

// parseEvent decodes body, which the event keeps (the caller passes its own copy).
func parseEvent(body []byte) (Event, error) {
	var buf [48]jsonx.Member
	members, err := jsonx.ScanObject(body, buf[:0])
	if err != nil {
		return nil, &WebhookPayloadError{Reason: "not a JSON object", Err: err}
	}
	// The last "type" member decides, as encoding/json would.
	k := unknownKind
	for _, m := range members {
		if string(m.Key) == `"type"` || (bytes.IndexByte(m.Key, '\\') >= 0 && unquotedIs(m.Key, "type")) {
			var t string
			// A plain string is looked up without making it a string.
			if plain, ok := m.PlainVal(); ok {
				t = string(plain)
			} else if m.Val[0] == '"' {
				t, _ = jsonx.Unquote(m.Val)
			}
			if found, ok := eventKinds[t]; ok {
				k = found
			} else {
				k = unknownKind
			}
		}
	}
	ev := k.newEvent()
	if err := k.codec.DecodeMembers(members, reflect.ValueOf(ev).Elem()); err != nil {
		return nil, &WebhookPayloadError{Reason: "undecodable member", Err: err}
	}
	ev.envelope().raw = body
	return ev, nil
}

// unquotedIs reports whether the JSON string q (with its quotes) decodes to name.
func unquotedIs(q []byte, name string) bool {
	s, err := jsonx.Unquote(q)
	return err == nil && s == name
}

// eventKind says how to build and decode one event type.
type eventKind struct {
	newEvent func() Event
	codec    *jsonx.Codec
}

func kindOf[T any, P interface {
	*T
	Event
}]() eventKind {
	return eventKind{
		newEvent: func() Event { return P(new(T)) },
		codec:    mustCodec(reflect.TypeOf((*T)(nil)).Elem()),
	}
}

// eventKinds maps each type value to its event type. It is built once and only read.
var eventKinds = map[string]eventKind{
	EventContactCreate:        kindOf[ContactCreateEvent](),
	EventContactUpdate:        kindOf[ContactUpdateEvent](),
	EventContactDelete:        kindOf[ContactDeleteEvent](),
	EventContactDndUpdate:     kindOf[ContactDndUpdateEvent](),
	EventContactTagUpdate:     kindOf[ContactTagUpdateEvent](),
	EventNoteCreate:           kindOf[NoteCreateEvent](),
	EventNoteUpdate:           kindOf[NoteUpdateEvent](),
	EventNoteDelete:           kindOf[NoteDeleteEvent](),
	EventTaskCreate:           kindOf[TaskCreateEvent](),
	EventTaskComplete:         kindOf[TaskCompleteEvent](),
	EventTaskDelete:           kindOf[TaskDeleteEvent](),
	EventAppointmentCreate:    kindOf[AppointmentCreateEvent](),
	EventAppointmentUpdate:    kindOf[AppointmentUpdateEvent](),
	EventAppointmentDelete:    kindOf[AppointmentDeleteEvent](),
	EventAppInstall:           kindOf[AppInstallEvent](),
	EventAppUninstall:         kindOf[AppUninstallEvent](),
	EventPlanChange:           kindOf[PlanChangeEvent](),
	EventCampaignStatusUpdate: kindOf[CampaignStatusUpdateEvent](),
	EventAssociationCreate:    kindOf[AssociationCreateEvent](),
	EventAssociationUpdate:    kindOf[AssociationUpdateEvent](),
	EventAssociationDelete:    kindOf[AssociationDeleteEvent](),
	EventRelationCreate:       kindOf[RelationCreateEvent](),
	EventRelationDelete:       kindOf[RelationDeleteEvent](),

	EventInboundMessage:           kindOf[InboundMessageEvent](),
	EventOutboundMessage:          kindOf[OutboundMessageEvent](),
	EventConversationUnreadUpdate: kindOf[ConversationUnreadUpdateEvent](),
	// A provider's Delivery URL receives the channel as the type.
	string(ChannelSMS):    kindOf[ProviderOutboundMessageEvent](),
	string(ChannelEmail):  kindOf[ProviderOutboundMessageEvent](),
	string(ChannelCustom): kindOf[ProviderOutboundMessageEvent](),
}

var unknownKind = kindOf[UnknownEvent]()

// objectCodecs holds the codecs of the types that have JSON methods, by type, for
// unmarshalEvent and marshalEvent. It is built once and only read.
var objectCodecs = func() map[reflect.Type]*jsonx.Codec {
	m := map[reflect.Type]*jsonx.Codec{}
	for _, t := range []reflect.Type{
		reflect.TypeOf(ContactPayload{}), reflect.TypeOf(NotePayload{}), reflect.TypeOf(TaskPayload{}),
		reflect.TypeOf(AppointmentPayload{}), reflect.TypeOf(AppInstallEvent{}), reflect.TypeOf(AppUninstallEvent{}),
		reflect.TypeOf(PlanChangeEvent{}), reflect.TypeOf(CampaignStatusUpdateEvent{}),
		reflect.TypeOf(AssociationPayload{}), reflect.TypeOf(RelationPayload{}), reflect.TypeOf(UnknownEvent{}),
		reflect.TypeOf(WebhookAppointment{}), reflect.TypeOf(AppTrial{}), reflect.TypeOf(WhitelabelDetails{}),
		reflect.TypeOf(MessagePayload{}), reflect.TypeOf(ProviderOutboundMessageEvent{}),
		reflect.TypeOf(ConversationUnreadUpdateEvent{}),
	} {
		m[t] = mustCodec(t)
	}
	return m
}()

// unmarshalEvent decodes a copy of b: values and Extra alias the event's own bytes, never the
// caller's buffer.
func unmarshalEvent(b []byte, ev Event) error {
	b = append([]byte(nil), bytes.TrimSpace(b)...)
	v := reflect.ValueOf(ev).Elem()
	if err := objectCodecs[v.Type()].Decode(b, v); err != nil {
		return err
	}
	ev.envelope().raw = b
	return nil
}

func marshalEvent(ev Event) ([]byte, error) {
	v := reflect.ValueOf(ev).Elem()
	return objectCodecs[v.Type()].Encode(v)
}

// unmarshalObject decodes a copy of b into p, a struct nested in an event.
func unmarshalObject(b []byte, p codecStater) error {
	b = append([]byte(nil), b...)
	v := reflect.ValueOf(p).Elem()
	return objectCodecs[v.Type()].Decode(b, v)
}

func marshalObject(p codecStater) ([]byte, error) {
	v := reflect.ValueOf(p).Elem()
	return objectCodecs[v.Type()].Encode(v)
}

// codecStater is a struct that keeps the members' presence for its codec.
type codecStater interface{ codecState() *jsonx.Presence }

// eventCodecConfig tells the scanner's codec about the SDK's types: unknown members go to
// Extra, the presence lives in each struct's unexported field, and times, custom fields and
// the values GHL sends in more than one form (webhook_lenient.go) have hooks of their own.
var eventCodecConfig = &jsonx.Config{
	Extra: reflect.TypeOf(Extra(nil)),
	State: func(v reflect.Value) *jsonx.Presence {
		if s, ok := v.Addr().Interface().(codecStater); ok {
			return s.codecState()
		}
		return nil
	},
	Hooks: map[reflect.Type]jsonx.Hook{
		reflect.TypeOf(Time{}):                  {DecodeMember: decodeTimeField, Encode: encodeTimeField},
		reflect.TypeOf([]CustomFieldValue(nil)): {DecodeMember: decodeCustomFieldsField},
		reflect.TypeOf(0):                       {Decode: decodeIntField, Encode: encodeIntField},
		reflect.TypeOf((*Seconds)(nil)):         {Decode: decodeSecondsField, Encode: encodeSecondsField},
		reflect.TypeOf(Addresses(nil)):          {Decode: decodeAddressesField, Encode: encodeAddressesField},
	},
}

// mustCodec builds the codec of an event type. The types are fixed at compile time, so an
// error is a defect that every test run finds at start-up.
func mustCodec(t reflect.Type) *jsonx.Codec {
	c, err := jsonx.NewCodec(t, eventCodecConfig)
	if err != nil {
		panic("ghl: " + err.Error())
	}
	return c
}

// decodeTimeField reads a time from a string or from a number (epoch milliseconds, the
// alternate form, written back as a number). A form that does not parse keeps its text in Raw
// with a zero time.
func decodeTimeField(fv reflect.Value, m jsonx.Member, strs jsonx.Strings) (fits, alt bool, err error) {
	val := m.Val
	var s string
	switch c := val[0]; {
	case c == '"':
		if s, err = strs.Value(m); err != nil {
			return false, false, err
		}
	case c == '-' || (c >= '0' && c <= '9'):
		s, alt = string(val), true
	default:
		return false, false, nil
	}
	t, perr := parseTime(s)
	if perr != nil {
		t = Time{}
	}
	t.Raw = s
	*fv.Addr().Interface().(*Time) = t
	return true, alt, nil
}

// encodeTimeField writes a decoded time back in the form it came in.
func encodeTimeField(fv reflect.Value, alt bool) ([]byte, error) {
	t := fv.Addr().Interface().(*Time)
	switch {
	case t.Raw != "" && alt && jsonx.IsNumber(t.Raw):
		return []byte(t.Raw), nil
	case t.Raw != "":
		return jsonx.AppendQuoted(nil, t.Raw), nil
	case t.Time.IsZero():
		return []byte(`""`), nil // present but empty
	}
	return t.MarshalJSON()
}

// decodeCustomFieldsField decodes [{"id": "...", "value": ...}, ...] without encoding/json;
// a list with other members or an id that is not a string goes through encoding/json.
func decodeCustomFieldsField(fv reflect.Value, m jsonx.Member, strs jsonx.Strings) (fits, alt bool, err error) {
	val := m.Val
	list, ok, err := customFieldList(val, strs)
	if err != nil {
		return false, false, err
	}
	if !ok {
		fits, err := jsonx.DecodeStd(fv, val)
		return fits, false, err
	}
	*fv.Addr().Interface().(*[]CustomFieldValue) = list
	return true, false, nil
}

// customFieldList walks the list once: each item's members are split as it is reached, and
// the IDs share the event's strings.
func customFieldList(val []byte, strs jsonx.Strings) ([]CustomFieldValue, bool, error) {
	w, ok := jsonx.WalkArray(val)
	if !ok {
		return nil, false, nil
	}
	list := make([]CustomFieldValue, 0, 4)
	var buf [4]jsonx.Member
	for {
		more, err := w.More()
		if err != nil {
			return nil, false, err
		}
		if !more {
			return list, true, nil
		}
		if !w.IsObject() {
			return nil, false, nil
		}
		members, err := w.Members(buf[:0])
		if err != nil {
			return nil, false, err
		}
		var f CustomFieldValue
		for _, m := range members {
			switch string(m.Key) {
			case `"id"`:
				if m.Val[0] != '"' {
					return nil, false, nil
				}
				if f.ID, err = strs.Value(m); err != nil {
					return nil, false, err
				}
			case `"value"`:
				f.Value = json.RawMessage(m.Val)
			default:
				return nil, false, nil
			}
		}
		list = append(list, f)
	}
}
