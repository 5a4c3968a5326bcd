package ghltest

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixedClock() func() time.Time {
	now := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	return func() time.Time { return now }
}

func TestSeed(t *testing.T) {
	a := NewServer(WithClock(fixedClock()))
	t.Cleanup(a.Close)
	b := NewServer(WithClock(fixedClock()))
	t.Cleanup(b.Close)
	loc := a.LocationID()

	ids := a.Seed(loc, 200, 7)
	require.Len(t, ids, 200)
	assert.Equal(t, ids, b.Seed(loc, 200, 7), "same seed, same IDs")
	assert.Equal(t, a.StateDigest(loc), b.StateDigest(loc), "same seed, same data")
	assert.NotEqual(t, ids, NewServer(WithClock(fixedClock())).Seed(loc, 200, 8), "another seed, other IDs")
	assert.Equal(t, 200, a.ContactCount(loc))

	e164 := regexp.MustCompile(`^\+[1-9]\d{7,14}$`)
	emails, phones := map[string]bool{}, map[string]bool{}
	var prev time.Time
	for _, id := range ids {
		c, ok := a.Contact(loc, id)
		require.True(t, ok)
		added := c.DateAdded
		assert.True(t, added.After(prev), "dateAdded increases: %v after %v", added, prev)
		prev = added
		assert.Regexp(t, e164, c.Phone)
		norm, err := ghl.NormalizePhone(c.Phone, DefaultCountry)
		assert.NoError(t, err, "a seeded phone is a valid number")
		assert.Equal(t, c.Phone, norm)
		assert.Contains(t, c.Email, "@")
		assert.NotEmpty(t, c.Tags)
		assert.NotEmpty(t, c.FirstName)
		assert.False(t, emails[c.Email] || phones[c.Phone], "email and phone are unique")
		emails[c.Email], phones[c.Phone] = true, true
		tasks := a.Tasks(loc, id)
		assert.True(t, len(tasks) == 1 || len(tasks) == 2, "one or two tasks")
		assert.Len(t, a.Notes(loc, id), 1)
	}
	assert.Equal(t, 40, strings.Count(a.StateDigest(loc), "\n  appointment "), "every fifth contact has an appointment")

	// A second batch comes after the first and does not clash with it.
	more := a.Seed(loc, 50, 7)
	require.Len(t, more, 50)
	assert.Equal(t, 250, a.ContactCount(loc))
	c, _ := a.Contact(loc, more[0])
	added := c.DateAdded
	assert.True(t, added.After(prev))
	assert.False(t, emails[c.Email])

	// Seeded contacts are served like any other.
	res := callAPI(t, a, http.MethodGet, "/contacts/"+ids[3]+"/tasks", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Len(t, res.body["tasks"], len(a.Tasks(loc, ids[3])))
	res = callAPI(t, a, http.MethodGet, "/contacts/"+ids[4]+"/appointments", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Len(t, res.body["events"], 1)
}

func TestInspectionReturnsCopies(t *testing.T) {
	srv := newAPIServer(t)
	loc := srv.LocationID()
	cf1, err := srv.AddCustomField(loc, CustomField{Name: "Source detail"})
	require.NoError(t, err)
	id := createContactAPI(t, srv, map[string]any{"email": "copy@example.com", "tags": []string{"a"},
		"customFields": []any{map[string]any{"id": cf1, "field_value": "v"}}})
	require.Equal(t, http.StatusCreated, callAPI(t, srv, http.MethodPost, "/contacts/"+id+"/tasks",
		map[string]any{"title": "t", "dueDate": "2024-01-01T00:00:00Z", "completed": false}).status)
	require.Equal(t, http.StatusCreated, callAPI(t, srv, http.MethodPost, "/contacts/"+id+"/notes", map[string]any{"body": "n"}).status)

	c, ok := srv.Contact(loc, id)
	require.True(t, ok)
	c.Email = "changed"
	c.Tags[0] = "changed"
	c.CustomFields[0].Value = "changed"
	c.Other["emailLowerCase"] = "changed"
	srv.Tasks(loc, id)[0].Title = "changed"
	srv.Notes(loc, id)[0].Body = "changed"

	c, _ = srv.Contact(loc, id)
	assert.Equal(t, "copy@example.com", c.Email)
	assert.Equal(t, []string{"a"}, c.Tags)
	assert.Equal(t, "v", c.CustomFields[0].Value)
	assert.Equal(t, "copy@example.com", c.Other["emailLowerCase"])
	assert.Equal(t, "t", srv.Tasks(loc, id)[0].Title)
	assert.Equal(t, "n", srv.Notes(loc, id)[0].Body)

	_, ok = srv.Contact(loc, missingID)
	assert.False(t, ok)
	_, ok = srv.Contact("no-location", id)
	assert.False(t, ok)
	assert.Equal(t, 0, srv.ContactCount("no-location"))
	assert.Empty(t, srv.Tasks(loc, missingID))
	assert.Empty(t, srv.StateDigest("no-location"))
}

// applyScript makes the same changes through the API, so two servers end in equal states
// whatever IDs and timestamps they generate.
func applyScript(t *testing.T, srv *Server, extraNote bool) {
	loc := srv.LocationID()
	a := createContactAPI(t, srv, map[string]any{"email": "A@example.com", "firstName": "Ann", "tags": []string{"b", "a"}})
	b := createContactAPI(t, srv, map[string]any{"phone": "+14155551111", "firstName": "Bo"})
	for _, step := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/contacts/" + a + "/tasks", map[string]any{"title": "call", "dueDate": "2024-01-01T10:00:00Z", "completed": false}},
		{http.MethodPost, "/contacts/" + a + "/notes", map[string]any{"body": "hello"}},
		{http.MethodPost, "/contacts/" + a + "/followers", map[string]any{"followers": []string{"u1"}}},
		{http.MethodPost, "/contacts/" + a + "/campaigns/c1", map[string]any{}},
		{http.MethodPost, "/contacts/" + b + "/workflow/w1", map[string]any{"eventStartTime": "2024-01-01T10:00:00Z"}},
		{http.MethodPost, "/contacts/" + b + "/tags", map[string]any{"tags": []string{"x"}}},
		{http.MethodPost, "/contacts/bulk/business", map[string]any{"locationId": loc, "ids": []string{a, b}, "businessId": "biz"}},
	} {
		res := callAPI(t, srv, step.method, step.path, step.body)
		require.Less(t, res.status, 300, "%s %s: %s", step.method, step.path, res.raw)
	}
	if extraNote {
		require.Equal(t, http.StatusCreated, callAPI(t, srv, http.MethodPost, "/contacts/"+a+"/notes", map[string]any{"body": "hello"}).status)
	}
}

func TestStateDigest(t *testing.T) {
	one, two, three := newAPIServer(t), newAPIServer(t), newAPIServer(t)
	applyScript(t, one, false)
	applyScript(t, two, false)
	applyScript(t, three, true)
	loc := one.LocationID()
	digest := one.StateDigest(loc)

	assert.Equal(t, digest, two.StateDigest(loc), "same changes, same digest")
	assert.NotEqual(t, digest, three.StateDigest(loc), "a duplicated note shows")
	assert.Regexp(t, `(?m)^email:a@example.com\n  fields .*businessId="biz".*followers=\["u1"\].*tags=\["a","b"\]`, digest)
	assert.Contains(t, digest, "\n  task completed=false dueDate=\"2024-01-01T10:00:00.000Z\" title=\"call\"\n")
	assert.Contains(t, digest, "\n  note body=\"hello\" pinned=false\n")
	assert.Contains(t, digest, "\n  campaign c1\n")
	assert.Contains(t, digest, "\nphone:+14155551111\n")
	assert.Contains(t, digest, "\n  workflow w1 eventStartTime=2024-01-01T10:00:00Z\n")
	assert.NotContains(t, digest, "dateAdded")
	assert.NotContains(t, digest, "\"id\"")
}

// BenchmarkSeed100k measures seeding 100,000 contacts with their tasks, notes and
// appointments.
func BenchmarkSeed100k(b *testing.B) {
	for range b.N {
		srv := NewServer()
		srv.Seed(srv.LocationID(), 100_000, 1)
		srv.Close()
	}
}

// BenchmarkSearchAfterPage measures one 500-contact searchAfter page deep into 100,000
// contacts once the sorted order is cached.
func BenchmarkSearchAfterPage(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	loc := srv.LocationID()
	ids := srv.Seed(loc, 100_000, 1)
	c, _ := srv.Contact(loc, ids[90_000])
	added := c.DateAdded
	body := `{"locationId":"` + loc + `","pageLimit":500,"searchAfter":[` + strconv.FormatInt(added.UnixMilli(), 10) + `,"` + ids[90_000] + `"]}`
	send := func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/contacts/search", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		req.Header.Set("Version", APIVersion)
		resp, err := srv.Client().Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("search: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	send()
	b.ResetTimer()
	for range b.N {
		send()
	}
}
