package ghl

import (
	"reflect"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Responses are decoded in one validating pass (internal/jsonx's Models): the fields a type
// names by encoding/json's rules, and the members it does not name into its Extra, at every
// level (a page, each item, the objects inside an item), without decoding any byte twice.
// encoding/json followed by a scan for unknown members read a 500-contact page about five
// times; this reads it once.
//
// Every type a response decodes into is listed here: the models (whose UnmarshalJSON calls
// decodeModel), the pages and the envelopes. A type not listed still decodes, through
// encoding/json; TestResponseTypesDecodeInOnePass finds the ones fetch uses.
var responseModels = func() *jsonx.Models {
	m, err := jsonx.NewModels(jsonx.ModelsConfig{
		Extra: reflect.TypeFor[Extra](),
		Types: []reflect.Type{
			// Models: their UnmarshalJSON is decodeModel.
			reflect.TypeFor[Contact](), reflect.TypeFor[ListMeta](), reflect.TypeFor[SearchResult](),
			reflect.TypeFor[ContactList](), reflect.TypeFor[Task](), reflect.TypeFor[Note](),
			reflect.TypeFor[Appointment](), reflect.TypeFor[FollowersResult](), reflect.TypeFor[BulkBusinessResult](),
			reflect.TypeFor[Conversation](), reflect.TypeFor[ConversationSearchResult](), reflect.TypeFor[Message](),
			reflect.TypeFor[MessageMeta](), reflect.TypeFor[CallMeta](), reflect.TypeFor[MessagePage](),
			reflect.TypeFor[ExportPage](), reflect.TypeFor[AddMessageResult](), reflect.TypeFor[SendMessageResult](),
			reflect.TypeFor[UploadResult](), reflect.TypeFor[Calendar](), reflect.TypeFor[CalendarTeamMember](),
			reflect.TypeFor[CalendarEvent](), reflect.TypeFor[AppointmentNoteList](), reflect.TypeFor[User](),
			reflect.TypeFor[UserSearchResult](), reflect.TypeFor[CustomField](), reflect.TypeFor[Location](),
			reflect.TypeFor[LocationBusiness](), reflect.TypeFor[LocationTag](),
			// Envelopes and results without an UnmarshalJSON of their own.
			reflect.TypeFor[contactEnvelope](), reflect.TypeFor[UpsertResult](), reflect.TypeFor[taskEnvelope](),
			reflect.TypeFor[taskListEnvelope](), reflect.TypeFor[noteEnvelope](), reflect.TypeFor[noteListEnvelope](),
			reflect.TypeFor[appointmentList](), reflect.TypeFor[conversationEnvelope](), reflect.TypeFor[calendarList](),
			reflect.TypeFor[calendarEventList](), reflect.TypeFor[calendarEventEnvelope](), reflect.TypeFor[appointmentNoteEnvelope](),
			reflect.TypeFor[customFieldsEnvelope](), reflect.TypeFor[customFieldEnvelope](), reflect.TypeFor[locationEnvelope](),
			reflect.TypeFor[locationTagList](), reflect.TypeFor[locationTagEnvelope](), reflect.TypeFor[tagsBody](),
			reflect.TypeFor[ack](), reflect.TypeFor[successAck](), reflect.TypeFor[statusAck](),
		},
		// GHL sends a conversation's messages as {"messages": {"lastMessageId", "nextPage",
		// "messages": [...]}, "traceId"}; its spec documents the page without the wrapper.
		Wrapped: map[reflect.Type]string{reflect.TypeFor[MessagePage](): "messages"},
	})
	if err != nil {
		panic(err)
	}
	return m
}()

// decodeModel is the UnmarshalJSON of every model listed in responseModels.
func decodeModel[T any](data []byte, v *T) error { return responseModels.Decode(data, v) }
