package ghl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

// testJSONBody asserts the request body is JSON equal to want.
func testJSONBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	got, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(got))
}

func TestContactsGet(t *testing.T) {
	client, mux := setup(t)
	fixture := readFixture(t, "contact.json")
	mux.HandleFunc("/contacts/seD4PfOuKoVMLkEZqohJ", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testHeaders(t, r, false)
		assert.Empty(t, r.URL.RawQuery)
		w.Header().Set("X-RateLimit-Max", "100")
		w.Header().Set("X-RateLimit-Remaining", "99")
		w.Header().Set("X-RateLimit-Interval-Milliseconds", "10000")
		w.Header().Set("X-RateLimit-Limit-Daily", "200000")
		w.Header().Set("X-RateLimit-Daily-Remaining", "199999")
		fmt.Fprintf(w, `{"contact":%s}`, fixture)
	})
	c, resp, err := client.Contacts.Get(context.Background(), "seD4PfOuKoVMLkEZqohJ")
	require.NoError(t, err)
	assert.Equal(t, RateLimit{Max: 100, Remaining: 99, Interval: 10_000_000_000, DailyLimit: 200000, DailyRemaining: 199999, Present: true}, resp.RateLimit)
	assert.Equal(t, "seD4PfOuKoVMLkEZqohJ", c.ID)
	assert.Equal(t, "rubika@deos.com", c.Email)
	assert.True(t, c.DND)
	assert.Equal(t, &DNDChannel{Status: "active", Message: "This is a test message", Code: "123"}, c.DNDSettings.Call)
	assert.Equal(t, []string{"nisi sint commodo amet", "consequat"}, c.Tags)
	assert.Equal(t, "2021-07-02T05:18:26.704Z", c.DateAdded.Raw)
	assert.Equal(t, 2021, c.DateAdded.Year())
	assert.Equal(t, "abc", c.AttributionSource.MSCLKID)

	name, ok := c.CustomFields[0].String()
	assert.True(t, ok)
	assert.Equal(t, "name", name)
	num, ok := c.CustomFields[1].Float()
	assert.True(t, ok)
	assert.Equal(t, 42.5, num)
	list, ok := c.CustomFields[2].Strings()
	assert.True(t, ok)
	assert.Equal(t, []string{"red", "blue"}, list)
	i := slices.IndexFunc(c.CustomFields, func(f CustomFieldValue) bool { return f.ID == "n3Lq4Zd8xKQ0vT7lHw2R" })
	require.GreaterOrEqual(t, i, 0)
	assert.JSONEq(t, "42.5", string(c.CustomFields[i].Value))

	// Fields the model does not name are kept, not dropped.
	assert.JSONEq(t, `true`, string(c.Extra["validEmail"]))
	assert.JSONEq(t, `[{"id":"opp1","pipeline_id":"p1","pipeline_stage_id":"s1","monetary_value":100,"status":"open"}]`, string(c.Extra["opportunities"]))
}

func TestContactRoundTripKeepsUnknownFields(t *testing.T) {
	fixture := readFixture(t, "contact.json")
	var c Contact
	require.NoError(t, json.Unmarshal(fixture, &c))
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, string(fixture), string(out))

	// A field GHL adds later survives too, and a named field is never duplicated by Extra.
	in := `{"id":"x","email":"a@b.co","brandNewField":{"nested":[1,"two",null]},"weird\"key":1}`
	var c2 Contact
	require.NoError(t, json.Unmarshal([]byte(in), &c2))
	assert.Len(t, c2.Extra, 2)
	c2.Extra["email"] = json.RawMessage(`"shadow@b.co"`)
	out, err = json.Marshal(c2)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
}

func TestContactsCreate(t *testing.T) {
	client, mux := setup(t)
	fixture := readFixture(t, "contact.json")
	// A key is sent as its field's ID (ContactFields), so the field list is read first.
	fieldServer(t, mux, fieldLastCall+`,{"id":"cf7","name":"Score","fieldKey":"contact.score","dataType":"NUMERICAL","model":"contact"}`)
	mux.HandleFunc("/contacts/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testHeaders(t, r, true)
		assert.Equal(t, "/contacts/", r.URL.Path, "create keeps GHL's trailing slash")
		testJSONBody(t, r, `{"locationId":"loc-test-1","firstName":"Rosan","lastName":"Deo","email":"rosan@deos.com",
			"phone":"+1 888-888-8888","dnd":false,"tags":["nisi sint commodo amet"],
			"customFields":[{"id":"cf1","field_value":"x"},{"id":"cf7","field_value":7}],
			"dateOfBirth":"1990-09-25","companyName":null,"someNewField":"kept"}`)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"contact":%s}`, fixture)
	})
	c, resp, err := client.Contacts.Create(context.Background(), &ContactCreateRequest{
		FirstName: "Rosan", LastName: "Deo", Email: "rosan@deos.com", Phone: "+1 888-888-8888",
		DND:          Ptr(false),
		Tags:         []string{"nisi sint commodo amet"},
		CustomFields: []CustomFieldInput{{ID: "cf1", Value: "x"}, {Key: "contact.score", Value: 7}},
		DateOfBirth:  "1990-09-25",
		Null:         []string{"companyName"},
		Extra:        Extra{"someNewField": json.RawMessage(`"kept"`)},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "seD4PfOuKoVMLkEZqohJ", c.ID)
}

func TestContactsCreateRejectsBadInput(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	ctx := context.Background()

	_, _, err := client.Contacts.Create(ctx, nil)
	var pe *InvalidParamError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "req", pe.Param)

	_, _, err = client.Contacts.Create(ctx, &ContactCreateRequest{Null: []string{"nope"}})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Null", pe.Param)
	assert.Contains(t, err.Error(), `"nope" is not a field`)

	_, _, err = client.Contacts.Create(ctx, &ContactCreateRequest{Email: "a@b.co", Null: []string{"email"}})
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), "both set and listed as null")

	noLoc, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithAccessToken(testToken))
	require.NoError(t, err)
	_, _, err = noLoc.Contacts.Create(ctx, &ContactCreateRequest{FirstName: "x"})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "req.LocationID", pe.Param)
	_, _, err = noLoc.Contacts.Upsert(ctx, &ContactUpsertRequest{FirstName: "x"})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "req.LocationID", pe.Param)
}

func TestContactsUpdate(t *testing.T) {
	client, mux := setup(t)
	fixture := readFixture(t, "contact.json")
	mux.HandleFunc("/contacts/seD4PfOuKoVMLkEZqohJ", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		testHeaders(t, r, true)
		testJSONBody(t, r, `{"city":"Lisbon","tags":[],"assignedTo":null}`)
		fmt.Fprintf(w, `{"succeded":true,"contact":%s}`, fixture)
	})
	c, _, err := client.Contacts.Update(context.Background(), "seD4PfOuKoVMLkEZqohJ", &ContactUpdateRequest{
		City: Ptr("Lisbon"), Tags: []string{}, Null: []string{"assignedTo"},
	})
	require.NoError(t, err)
	assert.Equal(t, "seD4PfOuKoVMLkEZqohJ", c.ID)
}

func TestContactsDelete(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/contacts/seD4PfOuKoVMLkEZqohJ", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodDelete)
		testHeaders(t, r, false)
		fmt.Fprint(w, `{"succeded":true}`)
	})
	resp, err := client.Contacts.Delete(context.Background(), "seD4PfOuKoVMLkEZqohJ")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestContactsUpsert(t *testing.T) {
	client, mux := setup(t)
	fixture := readFixture(t, "contact.json")
	mux.HandleFunc("/contacts/upsert", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testHeaders(t, r, true)
		testJSONBody(t, r, `{"locationId":"loc-test-1","email":"rubika@deos.com","tags":["called"]}`)
		fmt.Fprintf(w, `{"new":true,"contact":%s,"traceId":"trace-1"}`, fixture)
	})
	res, _, err := client.Contacts.Upsert(context.Background(), &ContactUpsertRequest{Email: "rubika@deos.com", Tags: []string{"called"}})
	require.NoError(t, err)
	assert.True(t, res.New)
	assert.Equal(t, "trace-1", res.TraceID)
	assert.Equal(t, "seD4PfOuKoVMLkEZqohJ", res.Contact.ID)
}

// crudCalls runs every CRUD method with the given contact ID.
func crudCalls(client *Client, id string) map[string]func() error {
	ctx := context.Background()
	return map[string]func() error{
		"Get": func() error { _, _, err := client.Contacts.Get(ctx, id); return err },
		"Update": func() error {
			_, _, err := client.Contacts.Update(ctx, id, &ContactUpdateRequest{City: Ptr("x")})
			return err
		},
		"Delete": func() error { _, err := client.Contacts.Delete(ctx, id); return err },
	}
}

func TestContactsCRUDRejectsEmptyIDs(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	for _, id := range []string{"", "  ", ".", ".."} {
		for name, call := range crudCalls(client, id) {
			err := call()
			var pe *InvalidParamError
			require.ErrorAs(t, err, &pe, "%s(%q)", name, id)
			assert.Equal(t, "contactID", pe.Param)
			assert.True(t, errors.Is(err, ErrInvalidParam))
		}
	}
}

func TestContactsCRUDEscapesIDs(t *testing.T) {
	cases := map[string]string{
		"a/b":  "/contacts/a%2Fb",
		"../x": "/contacts/..%2Fx",
		"x?y":  "/contacts/x%3Fy",
		"x#y":  "/contacts/x%23y",
		"%2F":  "/contacts/%252F",
	}
	for id, want := range cases {
		client, mux := setup(t)
		var got []string
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			got = append(got, r.URL.EscapedPath())
			assert.Empty(t, r.URL.RawQuery, "the ID must not leak into the query")
			fmt.Fprint(w, `{"contact":{"id":"x"}}`)
		})
		for name, call := range crudCalls(client, id) {
			got = nil
			require.NoError(t, call(), name)
			assert.Equal(t, []string{want}, got, "%s(%q)", name, id)
		}
	}
}
