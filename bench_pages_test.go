package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Pages through the SDK against a raw client decoding the same bytes into the same fields.
//
// The raw client is what a careful hand-written client does for a page: build the request
// (encoding a JSON body for a POST), set Authorization, Version and Accept, http.Client.Do,
// io.ReadAll, json.Unmarshal into plain structs that have the SDK's fields and no methods
// (leaf types with a decoder of their own, Time and ConversationType, keep it: they are part
// of "the same fields"). It keeps no unknown member; the SDK keeps every one, at every level.
// Both go through a stub transport (no sockets), so the figures are the clients' own CPU.

// Raw mirrors of the SDK's models, without UnmarshalJSON.
type (
	rawListMeta          ListMeta
	rawTask              Task
	rawNote              Note
	rawAppointment       Appointment
	rawConversation      Conversation
	rawCallMeta          CallMeta
	rawCalendarEvent     CalendarEvent
	rawUser              User
	rawCustomField       CustomField
	rawCalendarTeamMembr CalendarTeamMember
)

type rawMessageMeta struct {
	Call         *rawCallMeta    `json:"call,omitempty"`
	CallDuration *Seconds        `json:"callDuration,omitempty"`
	CallStatus   CallStatus      `json:"callStatus,omitempty"`
	Email        json.RawMessage `json:"email,omitempty"`
}

type rawMessage struct {
	ID                     string          `json:"id,omitempty"`
	Type                   int             `json:"type,omitempty"`
	MessageType            string          `json:"messageType,omitempty"`
	LocationID             string          `json:"locationId,omitempty"`
	ContactID              string          `json:"contactId,omitempty"`
	ConversationID         string          `json:"conversationId,omitempty"`
	DateAdded              *Time           `json:"dateAdded,omitempty"`
	DateUpdated            *Time           `json:"dateUpdated,omitempty"`
	Body                   string          `json:"body,omitempty"`
	Direction              Direction       `json:"direction,omitempty"`
	Status                 MessageStatus   `json:"status,omitempty"`
	ContentType            string          `json:"contentType,omitempty"`
	Attachments            []string        `json:"attachments,omitempty"`
	Meta                   *rawMessageMeta `json:"meta,omitempty"`
	Source                 string          `json:"source,omitempty"`
	UserID                 string          `json:"userId,omitempty"`
	ConversationProviderID string          `json:"conversationProviderId,omitempty"`
	AltID                  string          `json:"altId,omitempty"`
	ChatWidgetID           string          `json:"chatWidgetId,omitempty"`
}

type rawCalendar struct {
	ID                  string                 `json:"id,omitempty"`
	LocationID          string                 `json:"locationId,omitempty"`
	GroupID             string                 `json:"groupId,omitempty"`
	Name                string                 `json:"name,omitempty"`
	Description         string                 `json:"description,omitempty"`
	Slug                string                 `json:"slug,omitempty"`
	CalendarType        string                 `json:"calendarType,omitempty"`
	IsActive            *bool                  `json:"isActive,omitempty"`
	TeamMembers         []rawCalendarTeamMembr `json:"teamMembers,omitempty"`
	SlotDuration        int                    `json:"slotDuration,omitempty"`
	SlotDurationUnit    string                 `json:"slotDurationUnit,omitempty"`
	SlotInterval        int                    `json:"slotInterval,omitempty"`
	SlotIntervalUnit    string                 `json:"slotIntervalUnit,omitempty"`
	AppointmentsPerSlot int                    `json:"appoinmentPerSlot,omitempty"`
	OpenHours           []OpenHours            `json:"openHours,omitempty"`
}

// pageCase is one page type: its response, the raw client's request and decode, and the SDK
// call that reads it.
type pageCase struct {
	name    string
	method  string
	path    string // with the query
	reqBody any    // encoded by the raw client for a POST
	body    []byte
	items   int
	raw     func(data []byte) (int, error)
	sdk     func(ctx context.Context, c *Client) (int, error)
}

func rawDecode[T any](count func(*T) int) func([]byte) (int, error) {
	return func(data []byte) (int, error) {
		var out T
		err := json.Unmarshal(data, &out)
		return count(&out), err
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func benchMessage(i int) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("msg%017d", i), "type": 1, "messageType": "TYPE_CALL", "locationId": "C2QujeCh8ZnC7al2InWR",
		"contactId": fmt.Sprintf("ocQHyuzHvys%09d", i%50), "conversationId": fmt.Sprintf("conv%016d", i%50),
		"dateAdded":   time.UnixMilli(1736846463004 + int64(i)*61000).UTC().Format(ghlTimeLayout),
		"dateUpdated": "2025-01-14T09:23:41.118Z", "body": fmt.Sprintf("Call from +1415555%04d to the front desk, answered by extension %d.", i, 100+i%40),
		"direction": "inbound", "status": "completed", "contentType": "text/plain", "source": "api", "userId": "y0BeYjuRIlDwsDcOHOJo",
		"altId": fmt.Sprintf("pbx-call-%d", i), "conversationProviderId": "prov0000000000000001",
		"meta": map[string]any{"call": map[string]any{"duration": 42 + i%60, "status": "completed"}},
		// What GHL sends beyond its spec (kept in Extra): the kind of call log.
		"subType": "EXTERNAL_CALL",
	}
}

func pageCases() []pageCase {
	const loc = "C2QujeCh8ZnC7al2InWR"
	contacts := func(n int, cursor bool) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = benchContact(i + 1)
			if cursor {
				out[i]["searchAfter"] = []any{1736846463004 + i, out[i]["id"]}
			}
		}
		return out
	}
	messages := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = benchMessage(i)
		}
		return out
	}
	tasks := make([]map[string]any, 20)
	notes := make([]map[string]any, 20)
	appts := make([]map[string]any, 20)
	for i := range tasks {
		tasks[i] = map[string]any{"id": fmt.Sprintf("task%016d", i), "title": fmt.Sprintf("Call back about quote %d", 4000+i),
			"body":       fmt.Sprintf("They asked for the annual plan for %d seats.", 5+i),
			"assignedTo": "y0BeYjuRIlDwsDcOHOJo", "dueDate": "2025-02-01T15:00:00.000Z", "completed": i%2 == 0, "contactId": "ocQHyuzHvysMo5N5VsXc",
			"isLocation": false}
		notes[i] = map[string]any{"id": fmt.Sprintf("note%016d", i), "body": fmt.Sprintf("Call %d: prefers text over calls. Asked for pricing on the annual plan.", i),
			"userId": "y0BeYjuRIlDwsDcOHOJo", "dateAdded": time.UnixMilli(1736846463004 + int64(i)*61000).UTC().Format(ghlTimeLayout), "contactId": "ocQHyuzHvysMo5N5VsXc", "relations": []any{}}
		appts[i] = map[string]any{"id": fmt.Sprintf("appt%016d", i), "calendarId": "cal00000000000000001", "status": "booked",
			"title": fmt.Sprintf("Intro call %d", i), "appointmentStatus": "confirmed", "assignedUserId": "y0BeYjuRIlDwsDcOHOJo", "notes": fmt.Sprintf("Bring contract %d.", i),
			"startTime": fmt.Sprintf("2025-02-%02d 15:00:00", 1+i), "endTime": fmt.Sprintf("2025-02-%02d 15:30:00", 1+i), "locationId": loc, "contactId": "ocQHyuzHvysMo5N5VsXc",
			"users": []string{"y0BeYjuRIlDwsDcOHOJo"}, "dateAdded": "2025-01-14T09:21:03.004Z", "isRecurring": false}
	}
	convs := make([]map[string]any, 100)
	for i := range convs {
		convs[i] = map[string]any{"id": fmt.Sprintf("conv%016d", i), "contactId": "ocQHyuzHvysMo5N5VsXc", "locationId": loc,
			"type": "TYPE_PHONE", "lastMessageBody": fmt.Sprintf("Thanks, talk tomorrow at %d!", i%12+1), "lastMessageType": "TYPE_SMS", "lastMessageDirection": "inbound",
			"lastMessageDate": 1736846463004 + i, "unreadCount": i % 3, "inbox": true, "fullName": fmt.Sprintf("Contact Number %d", i),
			"contactName": fmt.Sprintf("Contact Number %d", i), "email": fmt.Sprintf("contact.%d@example-research.org", i), "phone": fmt.Sprintf("+1415555%04d", i),
			"dateAdded": 1717700097221, "dateUpdated": 1736846463004 + i, "tags": []string{"lead"}, "scoring": []any{}}
	}
	events := make([]map[string]any, 200)
	for i := range events {
		events[i] = map[string]any{"id": fmt.Sprintf("evt%017d", i), "title": fmt.Sprintf("Intro call with contact %d", i), "calendarId": "cal00000000000000001",
			"locationId": loc, "contactId": fmt.Sprintf("ocQHyuzHvys%09d", i), "groupId": "grp00000000000000001", "appointmentStatus": "confirmed",
			"assignedUserId": "y0BeYjuRIlDwsDcOHOJo", "users": []string{"y0BeYjuRIlDwsDcOHOJo"}, "notes": "Bring the contract.",
			"address":   fmt.Sprintf("https://zoom.us/j/%d", 123456789+i),
			"startTime": time.UnixMilli(1738368000000 + int64(i)*1800000).In(time.FixedZone("", -5*3600)).Format(time.RFC3339),
			"endTime":   time.UnixMilli(1738369800000 + int64(i)*1800000).In(time.FixedZone("", -5*3600)).Format(time.RFC3339),
			"dateAdded": "2025-01-14T09:21:03.004Z", "dateUpdated": "2025-01-14T09:21:03.004Z",
			"createdBy": map[string]any{"userId": "y0BeYjuRIlDwsDcOHOJo", "source": "api"}, "isRecurring": "false"}
	}
	users := make([]map[string]any, 100)
	for i := range users {
		users[i] = map[string]any{"id": fmt.Sprintf("user%016d", i), "name": fmt.Sprintf("Grace Hopper %d", i), "firstName": "Grace", "lastName": fmt.Sprintf("Hopper %d", i),
			"email": fmt.Sprintf("grace%d@example.org", i), "phone": "+14155550100", "extension": fmt.Sprint(100 + i),
			"lcPhone": map[string]string{loc: "+14155550199"}, "deleted": false,
			"roles":       map[string]any{"type": "account", "role": "user", "locationIds": []string{loc}},
			"permissions": map[string]bool{"contactsEnabled": true, "conversationsEnabled": true}, "scopes": "contacts.write"}
	}
	fields := make([]map[string]any, 100)
	for i := range fields {
		fields[i] = map[string]any{"id": fmt.Sprintf("cf%018d", i), "name": fmt.Sprintf("Last call %d", i),
			"fieldKey": fmt.Sprintf("contact.last_call_%d", i), "placeholder": "", "dataType": "TEXT", "position": i * 50,
			"picklistOptions": []string{"a", "b"}, "locationId": loc, "model": "contact", "dateAdded": "2025-01-14T09:21:03.004Z"}
	}
	cals := make([]map[string]any, 50)
	for i := range cals {
		cals[i] = map[string]any{"id": fmt.Sprintf("cal%017d", i), "locationId": loc, "name": "Front desk", "slug": "front-desk",
			"calendarType": "round_robin", "isActive": true, "slotDuration": 30, "slotDurationUnit": "mins", "slotInterval": 30,
			"teamMembers": []map[string]any{{"userId": "y0BeYjuRIlDwsDcOHOJo", "priority": 0.5, "isPrimary": true, "meetingLocations": []any{}}},
			"openHours":   []map[string]any{{"daysOfTheWeek": []int{1, 2, 3, 4, 5}, "hours": []map[string]int{{"openHour": 9, "closeHour": 17}}}},
			"widgetType":  "classic"}
	}
	meta := map[string]any{"total": 100000, "nextPageUrl": "https://services.leadconnectorhq.com/contacts/?startAfter=1&startAfterId=x",
		"startAfterId": "ocQHyuzHvys000000100", "startAfter": 1736846463104, "currentPage": 1, "nextPage": 2, "prevPage": nil}

	return []pageCase{
		{name: "contacts-search-500", method: http.MethodPost, path: "/contacts/search",
			reqBody: map[string]any{"locationId": loc, "pageLimit": 500},
			body:    mustJSON(map[string]any{"contacts": contacts(500, true), "total": 100000, "traceId": "t-1"}), items: 500,
			raw: rawDecode(func(p *struct {
				Contacts []*rawContact `json:"contacts"`
				Total    int           `json:"total"`
			}) int {
				return len(p.Contacts)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Contacts.Search(ctx, &SearchRequest{PageLimit: 500})
				if err != nil {
					return 0, err
				}
				return len(r.Contacts), nil
			}},
		{name: "contacts-list-100", method: http.MethodGet, path: "/contacts/?limit=100&locationId=" + loc,
			body: mustJSON(map[string]any{"contacts": contacts(100, false), "count": 100000, "meta": meta, "traceId": "t-1"}), items: 100,
			raw: rawDecode(func(p *struct {
				Contacts []*rawContact `json:"contacts"`
				Count    int           `json:"count"`
				Meta     *rawListMeta  `json:"meta"`
			}) int {
				return len(p.Contacts)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Contacts.List(ctx, &ListOptions{Limit: 100})
				if err != nil {
					return 0, err
				}
				return len(r.Contacts), nil
			}},
		{name: "contacts-by-business-100", method: http.MethodGet, path: "/contacts/business/biz1?limit=100&locationId=" + loc,
			body: mustJSON(map[string]any{"contacts": contacts(100, false), "count": 100, "traceId": "t-1"}), items: 100,
			raw: rawDecode(func(p *struct {
				Contacts []*rawContact `json:"contacts"`
				Count    int           `json:"count"`
			}) int {
				return len(p.Contacts)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Contacts.ListByBusiness(ctx, "biz1", &ListByBusinessOptions{Limit: 100})
				if err != nil {
					return 0, err
				}
				return len(r.Contacts), nil
			}},
		{name: "tasks-20", method: http.MethodGet, path: "/contacts/ocQHyuzHvysMo5N5VsXc/tasks",
			body: mustJSON(map[string]any{"tasks": tasks, "traceId": "t-1"}), items: 20,
			raw: rawDecode(func(p *struct {
				Tasks []*rawTask `json:"tasks"`
			}) int {
				return len(p.Tasks)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Tasks.List(ctx, "ocQHyuzHvysMo5N5VsXc")
				return len(r), err
			}},
		{name: "notes-20", method: http.MethodGet, path: "/contacts/ocQHyuzHvysMo5N5VsXc/notes",
			body: mustJSON(map[string]any{"notes": notes, "traceId": "t-1"}), items: 20,
			raw: rawDecode(func(p *struct {
				Notes []*rawNote `json:"notes"`
			}) int {
				return len(p.Notes)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Notes.List(ctx, "ocQHyuzHvysMo5N5VsXc")
				return len(r), err
			}},
		{name: "appointments-20", method: http.MethodGet, path: "/contacts/ocQHyuzHvysMo5N5VsXc/appointments",
			body: mustJSON(map[string]any{"events": appts, "traceId": "t-1"}), items: 20,
			raw: rawDecode(func(p *struct {
				Events []*rawAppointment `json:"events"`
			}) int {
				return len(p.Events)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Appointments.List(ctx, "ocQHyuzHvysMo5N5VsXc")
				return len(r), err
			}},
		{name: "conversations-search-100", method: http.MethodGet, path: "/conversations/search?limit=100&locationId=" + loc,
			body: mustJSON(map[string]any{"conversations": convs, "total": 2000, "traceId": "t-1"}), items: 100,
			raw: rawDecode(func(p *struct {
				Conversations []*rawConversation `json:"conversations"`
				Total         int                `json:"total"`
			}) int {
				return len(p.Conversations)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Conversations.Search(ctx, &ConversationSearchOptions{Limit: 100})
				if err != nil {
					return 0, err
				}
				return len(r.Conversations), nil
			}},
		{name: "messages-100", method: http.MethodGet, path: "/conversations/conv1/messages?limit=100",
			body: mustJSON(map[string]any{"messages": map[string]any{"lastMessageId": "msg00000000000000099", "nextPage": true,
				"messages": messages(100)}, "traceId": "t-1"}), items: 100,
			raw: rawDecode(func(p *struct {
				Messages struct {
					LastMessageID string        `json:"lastMessageId"`
					NextPage      bool          `json:"nextPage"`
					Messages      []*rawMessage `json:"messages"`
				} `json:"messages"`
			}) int {
				return len(p.Messages.Messages)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Conversations.MessagesPage(ctx, "conv1", &MessageListOptions{Limit: 100})
				if err != nil {
					return 0, err
				}
				return len(r.Messages), nil
			}},
		{name: "messages-export-500", method: http.MethodGet, path: "/conversations/messages/export?limit=500&locationId=" + loc,
			body: mustJSON(map[string]any{"messages": messages(500), "nextCursor": "cursor-500", "total": 100000, "traceId": "t-1"}), items: 500,
			raw: rawDecode(func(p *struct {
				Messages   []*rawMessage `json:"messages"`
				NextCursor string        `json:"nextCursor"`
				Total      int           `json:"total"`
			}) int {
				return len(p.Messages)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Conversations.ExportMessagesPage(ctx, &MessageExportOptions{Limit: 500})
				if err != nil {
					return 0, err
				}
				return len(r.Messages), nil
			}},
		{name: "calendar-events-200", method: http.MethodGet,
			path: "/calendars/events?calendarId=cal1&endTime=1738454400000&locationId=" + loc + "&startTime=1738368000000",
			body: mustJSON(map[string]any{"events": events, "traceId": "t-1"}), items: 200,
			raw: rawDecode(func(p *struct {
				Events []*rawCalendarEvent `json:"events"`
			}) int {
				return len(p.Events)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				n := 0
				for _, err := range c.Calendars.Events(ctx, &EventListOptions{CalendarID: "cal1",
					Start: time.UnixMilli(1738368000000), End: time.UnixMilli(1738454400000)}) {
					if err != nil {
						return n, err
					}
					n++
				}
				return n, nil
			}},
		{name: "calendars-50", method: http.MethodGet, path: "/calendars/?locationId=" + loc,
			body: mustJSON(map[string]any{"calendars": cals, "traceId": "t-1"}), items: 50,
			raw: rawDecode(func(p *struct {
				Calendars []*rawCalendar `json:"calendars"`
			}) int {
				return len(p.Calendars)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Calendars.List(ctx, nil)
				return len(r), err
			}},
		{name: "users-search-100", method: http.MethodGet, path: "/users/search?companyId=co1&limit=100&locationId=" + loc,
			body: mustJSON(map[string]any{"users": users, "count": 100, "traceId": "t-1"}), items: 100,
			raw: rawDecode(func(p *struct {
				Users []*rawUser `json:"users"`
				Count int        `json:"count"`
			}) int {
				return len(p.Users)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Users.Search(ctx, &UserSearchOptions{CompanyID: "co1", Limit: 100})
				if err != nil {
					return 0, err
				}
				return len(r.Users), nil
			}},
		{name: "custom-fields-100", method: http.MethodGet, path: "/locations/" + loc + "/customFields?model=contact",
			body: mustJSON(map[string]any{"customFields": fields, "traceId": "t-1"}), items: 100,
			raw: rawDecode(func(p *struct {
				CustomFields []*rawCustomField `json:"customFields"`
			}) int {
				return len(p.CustomFields)
			}),
			sdk: func(ctx context.Context, c *Client) (int, error) {
				r, _, err := c.Locations.CustomFields(ctx, nil)
				return len(r), err
			}},
	}
}

var stubHeader = http.Header{
	"Content-Type": {"application/json"}, "X-Ratelimit-Max": {"1000000"}, "X-Ratelimit-Remaining": {"999999"},
	"X-Ratelimit-Interval-Milliseconds": {"10000"}, "X-Ratelimit-Limit-Daily": {"1000000000"}, "X-Ratelimit-Daily-Remaining": {"999999999"},
}

const stubBase = "http://ghl.stub"

// rawPageRequest is the raw client's request and decode of one page.
func rawPageRequest(ctx context.Context, hc *http.Client, pc *pageCase) (int, error) {
	var body io.Reader
	if pc.reqBody != nil {
		b, err := json.Marshal(pc.reqBody)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, pc.method, stubBase+pc.path, body)
	if err != nil {
		return 0, err
	}
	req.Header["Authorization"] = []string{"Bearer " + testToken}
	req.Header["Version"] = []string{version20210728}
	req.Header["Accept"] = []string{"application/json"}
	if body != nil {
		req.Header["Content-Type"] = []string{"application/json"}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	return pc.raw(data)
}

func pageClients(tb testing.TB, pc *pageCase) (*http.Client, *Client) {
	stub := &stubTransport{body: pc.body, header: stubHeader}
	c, err := NewClient(WithBaseURL(stubBase), WithAccessToken(testToken), WithLocationID("C2QujeCh8ZnC7al2InWR"),
		WithHTTPClient(&http.Client{Transport: stub}))
	require.NoError(tb, err)
	return &http.Client{Transport: stub}, c
}

// BenchmarkPages reads each page type through the raw client and through the SDK, one
// sub-benchmark after the other (for -benchmem's exact allocation counts; the time ratio is
// the interleaved one of BenchmarkPagesInterleaved).
//
//	go test -run '^$' -bench 'BenchmarkPages$' -benchmem -count 5 .
func BenchmarkPages(b *testing.B) {
	for _, pc := range pageCases() {
		hc, c := pageClients(b, &pc)
		ctx := context.Background()
		b.Run(pc.name+"/raw", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if n, err := rawPageRequest(ctx, hc, &pc); err != nil || n != pc.items {
					b.Fatal(n, err)
				}
			}
		})
		b.Run(pc.name+"/sdk", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if n, err := pc.sdk(ctx, c); err != nil || n != pc.items {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// BenchmarkPagesInterleaved reads each page once through the raw client and once through the
// SDK per iteration (which goes first alternates), timing each, so load from other processes
// hits both alike. It reports raw-ns/op, sdk-ns/op and sdk/raw.
//
//	go test -run '^$' -bench 'BenchmarkPagesInterleaved' -benchtime 200x -count 5 .
func BenchmarkPagesInterleaved(b *testing.B) {
	for _, pc := range pageCases() {
		b.Run(pc.name, func(b *testing.B) {
			hc, c := pageClients(b, &pc)
			ctx := context.Background()
			raw := func() {
				if n, err := rawPageRequest(ctx, hc, &pc); err != nil || n != pc.items {
					b.Fatal(n, err)
				}
			}
			sdk := func() {
				if n, err := pc.sdk(ctx, c); err != nil || n != pc.items {
					b.Fatal(n, err)
				}
			}
			interleave(b, raw, sdk)
		})
	}
}

// interleave runs raw and sdk once each per iteration, alternating which goes first, and
// reports their times and ratio.
func interleave(b *testing.B, raw, sdk func()) {
	raw()
	sdk()
	var rawT, sdkT time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if i%2 == 0 {
			raw()
			t1 := time.Now()
			sdk()
			rawT += t1.Sub(t0)
			sdkT += time.Since(t1)
		} else {
			sdk()
			t1 := time.Now()
			raw()
			sdkT += t1.Sub(t0)
			rawT += time.Since(t1)
		}
	}
	b.ReportMetric(float64(rawT.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(sdkT.Nanoseconds())/float64(b.N), "sdk-ns/op")
	b.ReportMetric(float64(sdkT)/float64(rawT), "sdk/raw")
	b.ReportMetric(0, "ns/op")
}
