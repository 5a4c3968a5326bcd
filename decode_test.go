package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagesStub answers each request with the body its path names.
type pagesStub map[string]string

func (s pagesStub) RoundTrip(r *http.Request) (*http.Response, error) {
	body, ok := s[r.URL.Path]
	status := http.StatusOK
	if !ok {
		body, status = `{"message":"no fixture"}`, http.StatusNotFound
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// TestEveryPageTypeKeepsUnknownFields reads every page type through its SDK method from a
// response that carries members the SDK does not name at each level where its types keep
// them: the page, each item, and the objects inside an item. Each is kept, byte for byte,
// and the page re-encodes to what was sent.
func TestEveryPageTypeKeepsUnknownFields(t *testing.T) {
	const (
		contact = `{"id":"c1","firstName":"Ada","tags":["a"],"dateAdded":"2024-06-06T18:54:57.221Z","customFields":[{"id":"f1","value":[1,"x"]}],` +
			`"dndSettings":{"SMS":{"status":"active"}},"searchAfter":[1717700097221,"c1"],"profilePhoto":{"url":"https://x/y.png"}}`
		message = `{"id":"m1","type":1,"messageType":"TYPE_CALL","dateAdded":"2025-01-14T09:21:03.004Z","direction":"inbound",` +
			`"meta":{"call":{"duration":42,"status":"completed","recordingId":"r1"},"providerName":"LinkedPhone"},"subType":"EXTERNAL_CALL"}`
	)
	stub := pagesStub{
		"/contacts/search":                               `{"contacts":[` + contact + `],"total":1,"traceId":"t1"}`,
		"/contacts/":                                     `{"contacts":[` + contact + `],"count":1,"meta":{"startAfterId":"c1","startAfter":1717700097221,"total":1,"cursorKind":"v2"},"traceId":"t1"}`,
		"/contacts/business/b1":                          `{"contacts":[` + contact + `],"count":1,"traceId":"t1"}`,
		"/contacts/c1":                                   `{"contact":` + contact + `,"traceId":"t1"}`,
		"/contacts/c1/tasks":                             `{"tasks":[{"id":"t1","title":"Call","completed":true,"isLocation":false}],"traceId":"t1"}`,
		"/contacts/c1/notes":                             `{"notes":[{"id":"n1","body":"Hi","relations":[{"objectKey":"contact"}]}],"traceId":"t1"}`,
		"/contacts/c1/appointments":                      `{"events":[{"id":"a1","startTime":"2025-02-01 15:00:00","isRecurring":false}],"traceId":"t1"}`,
		"/conversations/search":                          `{"conversations":[{"id":"cv1","type":"TYPE_PHONE","lastMessageDate":1736846463004,"scoring":[1]}],"total":1,"traceId":"t1"}`,
		"/conversations/cv1/messages":                    `{"messages":{"lastMessageId":"m1","nextPage":true,"messages":[` + message + `],"pageKind":"x"},"traceId":"t1"}`,
		"/conversations/cv2/messages":                    `{"lastMessageId":"m1","nextPage":true,"messages":[` + message + `],"traceId":"t1"}`,
		"/conversations/messages/export":                 `{"messages":[` + message + `],"nextCursor":"n","total":1,"traceId":"t1"}`,
		"/calendars/events":                              `{"events":[{"id":"e1","startTime":"2025-02-01T10:00:00-05:00","isRecurring":"false"}],"traceId":"t1"}`,
		"/calendars/":                                    `{"calendars":[{"id":"cal1","teamMembers":[{"userId":"u1","priority":0.5,"meetingLocations":[]}],"widgetType":"classic"}],"traceId":"t1"}`,
		"/calendars/appointments/a1/notes":               `{"notes":[{"id":"n1","body":"Hi","createdBy":{"id":"u1"}}],"hasMore":true,"traceId":"t1"}`,
		"/users/search":                                  `{"users":[{"id":"u1","roles":{"type":"account"},"permissions":{"x":true}}],"count":1,"traceId":"t1"}`,
		"/locations/" + testLocationID + "/customFields": `{"customFields":[{"id":"f1","name":"Last call","dateAdded":"2025-01-14"}],"traceId":"t1"}`,
		"/locations/" + testLocationID + "/tags":         `{"tags":[{"id":"g1","name":"vip","dateAdded":"2025-01-14"}],"traceId":"t1"}`,
		"/locations/" + testLocationID:                   `{"location":{"id":"` + testLocationID + `","business":{"name":"B","logoAlt":"x"},"social":{"x":"y"}},"traceId":"t1"}`,
	}
	c, err := NewClient(WithBaseURL("http://ghl.stub"), WithAccessToken(testToken), WithLocationID(testLocationID),
		WithHTTPClient(&http.Client{Transport: stub}))
	require.NoError(t, err)
	ctx := context.Background()
	checkContact := func(t *testing.T, ct *Contact) {
		t.Helper()
		assert.Equal(t, Extra{"profilePhoto": raw(`{"url":"https://x/y.png"}`)}, ct.Extra)
		assert.Equal(t, "Ada", ct.FirstName)
		assert.Equal(t, raw(`[1717700097221,"c1"]`), ct.SearchAfter)
		assert.Equal(t, raw(`[1,"x"]`), ct.CustomFields[0].Value)
		assert.Equal(t, "active", ct.DNDSettings.SMS.Status)
	}
	checkMessage := func(t *testing.T, m *Message) {
		t.Helper()
		assert.Equal(t, Extra{"subType": raw(`"EXTERNAL_CALL"`)}, m.Extra)
		assert.Equal(t, Extra{"providerName": raw(`"LinkedPhone"`)}, m.Meta.Extra)
		assert.Equal(t, Extra{"recordingId": raw(`"r1"`)}, m.Meta.Call.Extra)
		assert.Equal(t, CallCompleted, m.CallStatus())
	}
	roundTrip := func(t *testing.T, v any, want string) {
		t.Helper()
		b, err := json.Marshal(v)
		require.NoError(t, err)
		assert.JSONEq(t, want, string(b))
	}

	t.Run("contacts search", func(t *testing.T) {
		p, _, err := c.Contacts.Search(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`)}, p.Extra)
		checkContact(t, p.Contacts[0])
		roundTrip(t, p, stub["/contacts/search"])
	})
	t.Run("contacts list", func(t *testing.T) {
		p, _, err := c.Contacts.List(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`)}, p.Extra)
		assert.Equal(t, Extra{"cursorKind": raw(`"v2"`)}, p.Meta.Extra)
		checkContact(t, p.Contacts[0])
		roundTrip(t, p, stub["/contacts/"])
	})
	t.Run("contacts by business", func(t *testing.T) {
		p, _, err := c.Contacts.ListByBusiness(ctx, "b1", nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`)}, p.Extra)
		checkContact(t, p.Contacts[0])
		roundTrip(t, p, stub["/contacts/business/b1"])
	})
	t.Run("contact", func(t *testing.T) {
		ct, _, err := c.Contacts.Get(ctx, "c1")
		require.NoError(t, err)
		checkContact(t, ct)
		roundTrip(t, ct, contact)
	})
	t.Run("tasks", func(t *testing.T) {
		tasks, _, err := c.Tasks.List(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, Extra{"isLocation": raw(`false`)}, tasks[0].Extra)
		roundTrip(t, tasks[0], `{"id":"t1","title":"Call","completed":true,"isLocation":false}`)
	})
	t.Run("notes", func(t *testing.T) {
		notes, _, err := c.Notes.List(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, Extra{"relations": raw(`[{"objectKey":"contact"}]`)}, notes[0].Extra)
	})
	t.Run("appointments", func(t *testing.T) {
		appts, _, err := c.Appointments.List(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, Extra{"isRecurring": raw(`false`)}, appts[0].Extra)
		assert.Equal(t, "2025-02-01 15:00:00", appts[0].StartTime.Raw)
	})
	t.Run("conversations search", func(t *testing.T) {
		p, _, err := c.Conversations.Search(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`)}, p.Extra)
		assert.Equal(t, Extra{"scoring": raw(`[1]`)}, p.Conversations[0].Extra)
		assert.Equal(t, ConversationPhone, p.Conversations[0].Type)
		roundTrip(t, p, stub["/conversations/search"])
	})
	t.Run("messages, as GHL sends them", func(t *testing.T) {
		p, _, err := c.Conversations.MessagesPage(ctx, "cv1", nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`), "pageKind": raw(`"x"`)}, p.Extra)
		assert.Equal(t, "m1", p.LastMessageID)
		assert.True(t, p.NextPage)
		checkMessage(t, p.Messages[0])
	})
	t.Run("messages, as GHL's spec documents them", func(t *testing.T) {
		p, _, err := c.Conversations.MessagesPage(ctx, "cv2", nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`)}, p.Extra)
		assert.Equal(t, "m1", p.LastMessageID)
		checkMessage(t, p.Messages[0])
	})
	t.Run("message export", func(t *testing.T) {
		p, _, err := c.Conversations.ExportMessagesPage(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`)}, p.Extra)
		checkMessage(t, p.Messages[0])
		roundTrip(t, p, stub["/conversations/messages/export"])
	})
	t.Run("calendar events", func(t *testing.T) {
		var got []*CalendarEvent
		for e, err := range c.Calendars.Events(ctx, &EventListOptions{CalendarID: "cal1", Start: time.Unix(0, 0), End: time.Unix(60, 0)}) {
			require.NoError(t, err)
			got = append(got, e)
		}
		require.Len(t, got, 1)
		assert.Equal(t, Extra{"isRecurring": raw(`"false"`)}, got[0].Extra)
	})
	t.Run("calendars", func(t *testing.T) {
		cals, _, err := c.Calendars.List(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"widgetType": raw(`"classic"`)}, cals[0].Extra)
		assert.Equal(t, Extra{"meetingLocations": raw(`[]`)}, cals[0].TeamMembers[0].Extra)
	})
	t.Run("appointment notes", func(t *testing.T) {
		p, _, err := c.Calendars.ListAppointmentNotes(ctx, "a1", nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`)}, p.Extra)
		assert.Equal(t, Extra{"createdBy": raw(`{"id":"u1"}`)}, p.Notes[0].Extra)
		roundTrip(t, p, stub["/calendars/appointments/a1/notes"])
	})
	t.Run("users search", func(t *testing.T) {
		p, _, err := c.Users.Search(ctx, &UserSearchOptions{CompanyID: "co1"})
		require.NoError(t, err)
		assert.Equal(t, Extra{"traceId": raw(`"t1"`)}, p.Extra)
		assert.Equal(t, Extra{"permissions": raw(`{"x":true}`)}, p.Users[0].Extra)
		roundTrip(t, p, stub["/users/search"])
	})
	t.Run("custom fields", func(t *testing.T) {
		fields, _, err := c.Locations.CustomFields(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, Extra{"dateAdded": raw(`"2025-01-14"`)}, fields[0].Extra)
	})
	t.Run("location tags", func(t *testing.T) {
		tags, _, err := c.Locations.Tags(ctx)
		require.NoError(t, err)
		assert.Equal(t, Extra{"dateAdded": raw(`"2025-01-14"`)}, tags[0].Extra)
	})
	t.Run("location", func(t *testing.T) {
		l, _, err := c.Locations.Get(ctx, testLocationID)
		require.NoError(t, err)
		assert.Equal(t, Extra{"social": raw(`{"x":"y"}`)}, l.Extra)
		assert.Equal(t, Extra{"logoAlt": raw(`"x"`)}, l.Business.Extra)
	})
}

// refContactPage is what the SDK decoded before responses were read in one pass: encoding/json
// into types without methods, then Unknown at every level that keeps unknown members. It is
// the reference the one-pass decode must match.
func refContactPage(data []byte) (*ContactList, error) {
	var plain struct {
		Contacts []json.RawMessage `json:"contacts"`
		Count    int               `json:"count"`
		Meta     json.RawMessage   `json:"meta"`
	}
	if err := json.Unmarshal(data, &plain); err != nil {
		return nil, err
	}
	out := &ContactList{Count: plain.Count}
	var err error
	if out.Extra, err = jsonx.Unknown(data, contactListFields); err != nil {
		return nil, err
	}
	if plain.Contacts != nil {
		out.Contacts = make([]*Contact, len(plain.Contacts))
	}
	for i, rc := range plain.Contacts {
		if string(rc) == "null" {
			continue
		}
		var c rawContact
		if err := json.Unmarshal(rc, &c); err != nil {
			return nil, err
		}
		ct := Contact(c)
		if ct.Extra, err = jsonx.Unknown(rc, contactFields); err != nil {
			return nil, err
		}
		out.Contacts[i] = &ct
	}
	if len(plain.Meta) > 0 && string(plain.Meta) != "null" {
		type plainMeta ListMeta
		var m plainMeta
		if err := json.Unmarshal(plain.Meta, &m); err != nil {
			return nil, err
		}
		meta := ListMeta(m)
		if meta.Extra, err = jsonx.Unknown(plain.Meta, listMetaFields); err != nil {
			return nil, err
		}
		out.Meta = &meta
	}
	return out, nil
}

func TestContactPageMatchesTheReference(t *testing.T) {
	for _, body := range []string{
		string(mustJSON(map[string]any{"contacts": []any{benchContact(0), benchContact(7), nil}, "count": 3, "meta": map[string]any{"total": 3, "x": 1}})),
		`{"contacts":[{"id":"a","brandNew":{"x":[1,2]},"firstName":"Ann","zz":null}],"traceId":"t"}`,
		`{"traceId":"t","contacts":[{"id":"b","tags":["x"],"n\u0061me":"escaped key","other\u00e9":1,"FIRSTNAME":"folded"}]}`,
		`{"contacts":[],"meta":null}`, `{"contacts":null}`, `{}`,
	} {
		want, err := refContactPage([]byte(body))
		require.NoError(t, err, body)
		var got ContactList
		require.NoError(t, decodeResponse([]byte(body), &got), body)
		assert.Equal(t, want, &got, body)
	}
}

// FuzzContactPageMatchesTheReference checks the one-pass decode of a contact page, the SDK's
// busiest response, against the reference on any input. Inputs with a repeated member name
// are left out (see jsonx.Models).
func FuzzContactPageMatchesTheReference(f *testing.F) {
	f.Add(mustJSON(map[string]any{"contacts": []any{benchContact(0), benchContact(3)}, "count": 2, "meta": map[string]any{"total": 2}}))
	for _, s := range []string{`{}`, `{"contacts":[null,{}]}`, `{"contacts":[{"dateAdded":1717700097221,"birthMonth":3}]}`,
		`{"contacts":[{"dateAdded":"x"}]}`, `{"meta":{"nextPage":null,"startAfter":1.5}}`, `{"contacts":[{"customFields":[{"id":"a","value":{"k":[]}}]}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got ContactList
		gotErr := decodeResponse(data, &got)
		want, wantErr := refContactPage(data)
		if bytes.Contains(data, []byte(`"`)) && hasRepeatedMember(data) {
			return
		}
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("decode(%q): error %v; reference: %v", data, gotErr, wantErr)
		}
		if gotErr == nil {
			assert.Equal(t, want, &got, "%q", data)
		}
	})
}

// hasRepeatedMember reports whether an object in data has two members whose names are the
// same but for case.
func hasRepeatedMember(data []byte) bool {
	var walk func(b []byte) bool
	walk = func(b []byte) bool {
		if members, err := jsonx.ScanObject(b, nil); err == nil {
			seen := map[string]bool{}
			for _, m := range members {
				k, _ := jsonx.Unquote(m.Key)
				k = strings.ToLower(k)
				if seen[k] || walk(m.Val) {
					return true
				}
				seen[k] = true
			}
			return false
		}
		found := false
		_, _ = jsonx.EachElement(bytes.TrimSpace(b), func(e []byte) error {
			found = found || walk(e)
			return nil
		})
		return found
	}
	return json.Valid(data) && walk(bytes.TrimSpace(data))
}

// TestResponseTypesDecodeInOnePass reads the package's source and checks that every type a
// response is decoded into (fetch's and do's destinations) is decoded in one pass: listed in
// responseModels, or decoding itself (decodeResponse, or an UnmarshalJSON of its own that is
// not decodeModel). Every type whose UnmarshalJSON is decodeModel must be listed, or it would
// call itself.
func TestResponseTypesDecodeInOnePass(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := parser.ParseFile(fset, name, src, 0)
		require.NoError(t, err)
		parsed = append(parsed, f)
	}
	listed := map[string]bool{}
	selfDecoding := map[string]bool{}
	delegating := map[string]bool{}
	funcs := map[string]*ast.FuncDecl{}
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.IndexExpr: // reflect.TypeFor[X]() in decode.go
				if sel, ok := n.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "TypeFor" && fset.Position(n.Pos()).Filename == "decode.go" {
					if id, ok := n.Index.(*ast.Ident); ok {
						listed[id.Name] = true
					}
				}
			case *ast.FuncDecl:
				if n.Recv == nil {
					funcs[n.Name.Name] = n
					return true
				}
				recv := typeName(n.Recv.List[0].Type)
				switch n.Name.Name {
				case "decodeResponse", "take": // decodes itself, or streams the body
					selfDecoding[recv] = true
				case "UnmarshalJSON":
					calls := false
					ast.Inspect(n.Body, func(m ast.Node) bool {
						if id, ok := m.(*ast.Ident); ok && id.Name == "decodeModel" {
							calls = true
						}
						return true
					})
					if calls {
						delegating[recv] = true
					} else {
						selfDecoding[recv] = true
					}
				}
			}
			return true
		})
	}
	require.NotEmpty(t, listed)
	for name := range delegating {
		assert.True(t, listed[name], "%s's UnmarshalJSON is decodeModel, but it is not listed in responseModels", name)
	}

	var dests []string
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			fd, ok := n.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				return true
			}
			vars := map[string]string{} // local var -> its type's name
			ast.Inspect(fd.Body, func(m ast.Node) bool {
				switch m := m.(type) {
				case *ast.ValueSpec:
					for _, id := range m.Names {
						vars[id.Name] = typeName(m.Type)
					}
				case *ast.CallExpr:
					fun := m.Fun
					if ix, ok := fun.(*ast.IndexListExpr); ok {
						fun = ix.X
					}
					switch fn := fun.(type) {
					case *ast.Ident: // fetch(ctx, c, req, pick)
						if fn.Name == "fetch" && len(m.Args) == 4 {
							dests = append(dests, pickType(t, m.Args[3], funcs, fset))
						}
					case *ast.SelectorExpr: // c.do(ctx, req, &out)
						if fn.Sel.Name == "do" && len(m.Args) == 3 {
							if u, ok := m.Args[2].(*ast.UnaryExpr); ok && u.Op == token.AND {
								if id, ok := u.X.(*ast.Ident); ok {
									dests = append(dests, vars[id.Name])
								}
							}
						}
					}
				}
				return true
			})
			return false
		})
	}
	require.Greater(t, len(dests), 30, "the source walk found too few calls")
	for _, name := range slices.Compact(slices.Sorted(slices.Values(dests))) {
		assert.True(t, listed[name] || selfDecoding[name],
			"responses decoded into %q take encoding/json's several passes: list it in responseModels", name)
	}
}

// pickType returns the name of the type fetch decodes into, from its pick argument.
func pickType(t *testing.T, pick ast.Expr, funcs map[string]*ast.FuncDecl, fset *token.FileSet) string {
	switch p := pick.(type) {
	case *ast.IndexExpr: // self[T]
		return typeName(p.Index)
	case *ast.FuncLit:
		return typeName(p.Type.Params.List[0].Type)
	case *ast.Ident:
		if fd := funcs[p.Name]; fd != nil {
			return typeName(fd.Type.Params.List[0].Type)
		}
	}
	t.Errorf("%s: cannot tell what fetch decodes into", fset.Position(pick.Pos()))
	return ""
}

// typeName names a type expression (*T and T give "T"); an anonymous struct gives
// "anonymous struct", which is never listed.
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return typeName(e.X)
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return typeName(e.X)
	case *ast.StructType:
		return "anonymous struct"
	}
	return ""
}
