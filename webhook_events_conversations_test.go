package ghl

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specExample returns one example of the spec file by event and label.
func specExampleOf(t *testing.T, event, label string) Event {
	t.Helper()
	for _, ex := range specExamples(t) {
		if ex.event == event && ex.label == label {
			return parseSpecExample(t, ex)
		}
	}
	t.Fatalf("no example %s/%s", event, label)
	return nil
}

func TestConversationEventsTypedValuesFromTheSpec(t *testing.T) {
	t.Run("inbound SMS", func(t *testing.T) {
		ev := specExampleOf(t, "InboundMessage", "example").(*InboundMessageEvent)
		assert.Equal(t, EventInboundMessage, ev.EventType())
		assert.Equal(t, "l1C08ntBrFjLS0elLIYU", ev.EventLocationID())
		assert.Equal(t, "cI08i1Bls3iTB9bKgFJh", ev.ContactID)
		assert.Equal(t, "fcanlLgpbQgQhderivVs", ev.ConversationID)
		assert.Equal(t, "cI08i1Bls3iTB9bKgF01", ev.ConversationProviderID)
		assert.Equal(t, "This is a test message", ev.Body)
		assert.Equal(t, "text/plain", ev.ContentType)
		assert.Equal(t, "SMS", ev.MessageType)
		assert.Equal(t, DirectionInbound, ev.Direction)
		assert.Equal(t, MessageDelivered, ev.Status)
		assert.Equal(t, []string{}, ev.Attachments)
		assert.Nil(t, ev.CallDuration)
		assert.Empty(t, ev.CallStatus)
		assert.Equal(t, time.Date(2021, 4, 21, 11, 31, 45, 750e6, time.UTC), ev.DateAdded.Time)
	})
	t.Run("answered call", func(t *testing.T) {
		ev := specExampleOf(t, "OutboundMessage", "more_examples[0]").(*OutboundMessageEvent)
		assert.Equal(t, "CALL", ev.MessageType)
		assert.Equal(t, DirectionOutbound, ev.Direction)
		assert.Equal(t, MessageCompleted, ev.Status)
		assert.Equal(t, CallCompleted, ev.CallStatus)
		require.NotNil(t, ev.CallDuration)
		assert.Equal(t, Seconds(120), *ev.CallDuration)
		assert.Equal(t, 2*time.Minute, ev.CallDuration.Duration())
		assert.Equal(t, []string{"call recording url"}, ev.Attachments)
		assert.Equal(t, "xsmF1xxhmC92ZpL1lj7aLa", ev.UserID)
		assert.Equal(t, "tyW42xCD0HQpb3hhfLcx", ev.MessageID)
	})
	t.Run("the InboundMessage page's call example is an OutboundMessage", func(t *testing.T) {
		ev := specExampleOf(t, "InboundMessage", "more_examples[0]")
		out, ok := ev.(*OutboundMessageEvent)
		require.True(t, ok, "got %T", ev)
		assert.Equal(t, DirectionInbound, out.Direction, "as the page shows it")
	})
	t.Run("inbound call to voicemail", func(t *testing.T) {
		ev := specExampleOf(t, "InboundMessage", "more_examples[1]").(*InboundMessageEvent)
		assert.Equal(t, MessageStatus("voicemail"), ev.Status)
		assert.Equal(t, []string{"voicemail url"}, ev.Attachments)
		assert.Empty(t, ev.UserID, "inbound calls carry no user")
	})
	t.Run("outbound voicemail", func(t *testing.T) {
		ev := specExampleOf(t, "OutboundMessage", "more_examples[1]").(*OutboundMessageEvent)
		assert.Equal(t, "VoiceMail", ev.MessageType)
		assert.Equal(t, MessageCompleted, ev.Status)
	})
	t.Run("e-mail", func(t *testing.T) {
		ev := specExampleOf(t, "InboundMessage", "more_examples[2]").(*InboundMessageEvent)
		assert.Equal(t, "Email", ev.MessageType)
		assert.Equal(t, "Internal Notify <sample@email.service>", ev.From)
		assert.Equal(t, Addresses{"testprasath95@gmail.com"}, ev.To)
		assert.Equal(t, "sddfDSF3G56GHG", ev.EmailMessageID)
		assert.Equal(t, "sddfDSF3G56GHG", ev.ThreadID)
		assert.Equal(t, "Order Confirmed", ev.Subject)
		out, err := json.Marshal(ev)
		require.NoError(t, err)
		assert.Contains(t, string(out), `"to":["testprasath95@gmail.com"]`, "a list stays a list")
	})
	t.Run("provider SMS", func(t *testing.T) {
		ev := specExampleOf(t, "ProviderOutboundMessage", "example").(*ProviderOutboundMessageEvent)
		assert.Equal(t, ChannelSMS, ev.Channel())
		assert.Equal(t, "GKAWb4yu7A4LSc0skQ6g", ev.EventLocationID())
		assert.Equal(t, "GKBhT6BfwY9mjzXAU3sq", ev.ContactID)
		assert.Equal(t, "GKJxs4P5L8dWc5CFUITM", ev.MessageID)
		assert.Equal(t, "+15864603685", ev.Phone)
		assert.Equal(t, "The text message to be sent to the contact", ev.Message)
		assert.Equal(t, []string{"https://www.google.com/images/branding/googlelogo/1x/googlelogo_color_272x92dp.png"}, ev.Attachments)
		assert.Equal(t, "GK56r6wdJDrkUPd0xsmx", ev.UserID)
		assert.Empty(t, ev.EventWebhookID())
	})
	t.Run("provider e-mail", func(t *testing.T) {
		ev := specExampleOf(t, "ProviderOutboundMessage", "more_examples[0]").(*ProviderOutboundMessageEvent)
		assert.Equal(t, ChannelEmail, ev.Channel())
		assert.Equal(t, "GK56r6wdJDrkUPd0xsmx", ev.EmailMessageID)
		assert.Equal(t, Addresses{"abc@gmail.com"}, ev.EmailTo)
		assert.Equal(t, "From Name <email@gmail.com>", ev.EmailFrom)
		assert.Equal(t, "Subject from Conversation Page", ev.Subject)
		assert.Contains(t, ev.HTML, "Testing an outobund email")
	})
	t.Run("unread update", func(t *testing.T) {
		ev := specExampleOf(t, "ConversationUnreadUpdate", "example").(*ConversationUnreadUpdateEvent)
		assert.Equal(t, "MzKIpg0rEIH2ZUGKf6BS", ev.ID)
		assert.Equal(t, "zsYhPBOUsEHtrK508Wm9", ev.ContactID)
		assert.Equal(t, 0, ev.UnreadCount)
		assert.False(t, ev.Inbox)
		assert.True(t, ev.Starred)
		assert.False(t, ev.Deleted)
		out, err := json.Marshal(ev)
		require.NoError(t, err)
		assert.Contains(t, string(out), `"unreadCount":0`, "a present zero is written back")
		assert.Contains(t, string(out), `"deleted":false`)
	})
}

// A call logged through the API, as GHL sends it today: the newer members (from, to,
// messageTypeId, messageTypeString, appId, versionId) next to the documented ones.
const callEventBody = `{"type":"InboundMessage","locationId":"L1","appId":"app1","versionId":"v1",` +
	`"timestamp":"2026-01-16T02:09:50.000Z","webhookId":"wh-call-1","messageId":"m1","contactId":"c1",` +
	`"conversationId":"conv1","conversationProviderId":"prov1","messageType":"CALL","messageTypeId":1,` +
	`"messageTypeString":"TYPE_CALL","direction":"inbound","status":"completed","callStatus":"voicemail",` +
	`"callDuration":37,"from":"+15550100","to":"+15550199","attachments":["https://rec.example/1.wav"],` +
	`"dateAdded":"2026-01-16T02:08:03.586Z","source":"api","originalMessageId":"m0"}`

func TestConversationEventsNewerMembers(t *testing.T) {
	ev, err := ParseEvent([]byte(callEventBody))
	require.NoError(t, err)
	in, ok := ev.(*InboundMessageEvent)
	require.True(t, ok, "got %T", ev)
	assert.Equal(t, "wh-call-1", in.EventWebhookID())
	assert.Equal(t, "app1", in.AppID)
	assert.Equal(t, "v1", in.VersionID)
	assert.Equal(t, 1, in.MessageTypeID)
	assert.Equal(t, "TYPE_CALL", in.MessageTypeString)
	assert.Equal(t, CallVoicemail, in.CallStatus)
	require.NotNil(t, in.CallDuration)
	assert.Equal(t, 37*time.Second, in.CallDuration.Duration())
	assert.Equal(t, "+15550100", in.From)
	assert.Equal(t, Addresses{"+15550199"}, in.To)
	assert.Equal(t, "+15550199", in.To.String())
	assert.Equal(t, "m0", in.OriginalMessageID)
	assert.Equal(t, "api", in.Source)
	assert.Empty(t, in.Extra)
	out, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, callEventBody, string(out))
	assert.Contains(t, string(out), `"to":"+15550199"`, "one number stays a string")
}

func TestConversationEventsLenientForms(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  string
		check func(t *testing.T, ev Event)
	}{
		{"numbers as strings",
			`{"type":"OutboundMessage","callDuration":"120","messageTypeId":"22"}`,
			func(t *testing.T, ev Event) {
				m := ev.(*OutboundMessageEvent)
				require.NotNil(t, m.CallDuration)
				assert.Equal(t, Seconds(120), *m.CallDuration)
				assert.Equal(t, 22, m.MessageTypeID)
				assert.Empty(t, m.Extra)
			}},
		{"a whole number in another notation",
			`{"type":"OutboundMessage","callDuration":1.2e2,"messageTypeId":22.0}`,
			func(t *testing.T, ev Event) {
				m := ev.(*OutboundMessageEvent)
				assert.Equal(t, Seconds(120), *m.CallDuration)
				assert.Equal(t, 22, m.MessageTypeID)
			}},
		{"a fraction of a second is rounded",
			`{"type":"OutboundMessage","callDuration":12.5}`,
			func(t *testing.T, ev Event) {
				assert.Equal(t, Seconds(13), *ev.(*OutboundMessageEvent).CallDuration)
				assert.Equal(t, `{"type":"OutboundMessage","callDuration":12.5}`, string(ev.Raw()))
			}},
		{"unread count as a string",
			`{"type":"ConversationUnreadUpdate","id":"c1","unreadCount":"3","inbox":true}`,
			func(t *testing.T, ev Event) {
				u := ev.(*ConversationUnreadUpdateEvent)
				assert.Equal(t, 3, u.UnreadCount)
				assert.True(t, u.Inbox)
			}},
		{"recipients as a string",
			`{"type":"Email","emailTo":"a@example.com","emailFrom":"b@example.com"}`,
			func(t *testing.T, ev Event) {
				p := ev.(*ProviderOutboundMessageEvent)
				assert.Equal(t, Addresses{"a@example.com"}, p.EmailTo)
				assert.Equal(t, ChannelEmail, p.Channel())
			}},
		{"Custom is a provider's text",
			`{"type":"Custom","phone":"+15550100","message":"hi"}`,
			func(t *testing.T, ev Event) {
				p := ev.(*ProviderOutboundMessageEvent)
				assert.Equal(t, ChannelCustom, p.Channel())
				assert.Equal(t, "hi", p.Message)
			}},
		{"statuses outside GHL's lists",
			`{"type":"InboundMessage","status":"ringing","callStatus":"in-progress","direction":"sideways"}`,
			func(t *testing.T, ev Event) {
				m := ev.(*InboundMessageEvent)
				assert.Equal(t, MessageStatus("ringing"), m.Status)
				assert.Equal(t, CallStatus("in-progress"), m.CallStatus)
				assert.Equal(t, Direction("sideways"), m.Direction)
			}},
		{"present zero values and nulls",
			`{"type":"InboundMessage","callDuration":0,"messageTypeId":0,"to":[],"cc":null,"callStatus":""}`,
			func(t *testing.T, ev Event) {
				m := ev.(*InboundMessageEvent)
				require.NotNil(t, m.CallDuration)
				assert.Equal(t, Seconds(0), *m.CallDuration)
				assert.Equal(t, Addresses{}, m.To)
				assert.Nil(t, m.CC)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(tc.body))
			require.NoError(t, err)
			tc.check(t, ev)
			out, err := json.Marshal(ev)
			require.NoError(t, err)
			if tc.name == "a fraction of a second is rounded" {
				assert.JSONEq(t, `{"type":"OutboundMessage","callDuration":13}`, string(out))
				return
			}
			assert.JSONEq(t, tc.body, string(out))
		})
	}
}

func TestConversationEventsMisfitsGoToExtra(t *testing.T) {
	body := `{"type":"OutboundMessage","messageId":"m1","callDuration":"long","messageTypeId":1.5,` +
		`"to":{"n":1},"cc":[1],"attachments":[{"url":"x"}],"direction":7,"callStatus":true,` +
		`"unknownThing":{"a":[1]}}`
	ev, err := ParseEvent([]byte(body))
	require.NoError(t, err)
	m := ev.(*OutboundMessageEvent)
	assert.Equal(t, "m1", m.MessageID)
	assert.Nil(t, m.CallDuration)
	assert.Zero(t, m.MessageTypeID)
	assert.Nil(t, m.To)
	assert.Nil(t, m.CC)
	assert.Nil(t, m.Attachments)
	assert.Empty(t, m.Direction)
	assert.Empty(t, m.CallStatus)
	assert.Equal(t, Extra{
		"callDuration": json.RawMessage(`"long"`), "messageTypeId": json.RawMessage(`1.5`),
		"to": json.RawMessage(`{"n":1}`), "cc": json.RawMessage(`[1]`),
		"attachments": json.RawMessage(`[{"url":"x"}]`), "direction": json.RawMessage(`7`),
		"callStatus": json.RawMessage(`true`), "unknownThing": json.RawMessage(`{"a":[1]}`),
	}, m.Extra)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, body, string(out))

	// Values out of range are misfits too, never an error or a wrapped-around number.
	for _, body := range []string{
		`{"type":"OutboundMessage","callDuration":-1}`,
		`{"type":"OutboundMessage","callDuration":1e300}`,
		`{"type":"OutboundMessage","callDuration":"NaN"}`,
		`{"type":"OutboundMessage","callDuration":""}`,
		`{"type":"OutboundMessage","messageTypeId":1e300}`,
		`{"type":"OutboundMessage","messageTypeId":"Inf"}`,
		`{"type":"OutboundMessage","messageTypeId":99999999999999999999}`,
	} {
		ev, err := ParseEvent([]byte(body))
		require.NoError(t, err, body)
		m := ev.(*OutboundMessageEvent)
		assert.Nil(t, m.CallDuration, body)
		assert.Zero(t, m.MessageTypeID, body)
		assert.Len(t, m.Extra, 1, body)
		out, err := json.Marshal(m)
		require.NoError(t, err)
		assert.JSONEq(t, body, string(out))
	}
}

func TestConversationEventsEditedAfterDecoding(t *testing.T) {
	ev, err := ParseEvent([]byte(`{"type":"InboundMessage","to":"+15550199","callDuration":"5"}`))
	require.NoError(t, err)
	m := ev.(*InboundMessageEvent)
	m.To = Addresses{"+15550199", "+15550198"} // now two: a list
	d := Seconds(9)
	m.CallDuration = &d
	out, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"InboundMessage","to":["+15550199","+15550198"],"callDuration":"9"}`, string(out))
	m.CallDuration = nil
	out, err = json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"InboundMessage","to":["+15550199","+15550198"],"callDuration":null}`, string(out))
}
