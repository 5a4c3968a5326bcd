package ghl

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests through the SDK against the ghltest fake, each showing a method's effect on the
// server's state. Requests go through recordingHTTPClient so they count for spec coverage.

func newFake(t *testing.T) (*ghltest.Server, *Client, string) {
	t.Helper()
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithAccessToken(srv.Token()), WithLocationID(srv.LocationID()),
		WithHTTPClient(recordingHTTPClient()))
	require.NoError(t, err)
	return srv, c, srv.LocationID()
}

// field returns a stored contact's field re-decoded into T.
func field[T any](t *testing.T, srv *ghltest.Server, loc, id, name string) T {
	t.Helper()
	c, ok := srv.Contact(loc, id)
	require.True(t, ok, "contact %s not stored", id)
	var v T
	var fields map[string]json.RawMessage
	b, err := json.Marshal(c)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &fields))
	if raw, present := fields[name]; present {
		require.NoError(t, json.Unmarshal(raw, &v))
	}
	return v
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestFakeContactsCRUD(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()

	c, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{FirstName: "Ada", Email: "ada+work@example.com", Phone: "+14155550100", Tags: []string{"lead"}})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.ContactCount(loc))
	assert.Equal(t, "ada+work@example.com", field[string](t, srv, loc, c.ID, "email"))

	got, _, err := client.Contacts.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ada", got.FirstName)

	_, _, err = client.Contacts.Update(ctx, c.ID, &ContactUpdateRequest{City: Ptr("Lisbon"), Tags: []string{"customer"}})
	require.NoError(t, err)
	assert.Equal(t, "Lisbon", field[string](t, srv, loc, c.ID, "city"))
	assert.Equal(t, []string{"customer"}, field[[]string](t, srv, loc, c.ID, "tags"))

	res, _, err := client.Contacts.Upsert(ctx, &ContactUpsertRequest{Email: "ada+work@example.com", LastName: "Lovelace"})
	require.NoError(t, err)
	assert.False(t, res.New)
	assert.Equal(t, c.ID, res.Contact.ID)
	assert.Equal(t, "Lovelace", field[string](t, srv, loc, c.ID, "lastName"))
	assert.Equal(t, 1, srv.ContactCount(loc))

	_, err = client.Contacts.Delete(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, srv.ContactCount(loc))
	_, ok := srv.Contact(loc, c.ID)
	assert.False(t, ok)
	_, _, err = client.Contacts.Get(ctx, c.ID)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestFakeSearchAndDuplicate(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()
	ids := srv.Seed(loc, 40, 7)
	vip, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{FirstName: "Zed", Email: "zed+vip@example.com", Phone: "+14155550199", Tags: []string{"zz-special"}})
	require.NoError(t, err)

	res, _, err := client.Contacts.Search(ctx, &SearchRequest{Filters: []SearchFilter{Where("tags", OpEq, "zz-special")}})
	require.NoError(t, err)
	require.Len(t, res.Contacts, 1)
	assert.Equal(t, vip.ID, res.Contacts[0].ID)
	assert.Equal(t, 1, res.Total)

	// Page paging over the seeded contacts, oldest first.
	res, _, err = client.Contacts.Search(ctx, &SearchRequest{Page: 2, PageLimit: 10, Sort: []SearchSort{{Field: "dateAdded", Direction: SortAsc}}})
	require.NoError(t, err)
	assert.Equal(t, 41, res.Total)
	require.Len(t, res.Contacts, 10)
	for i, c := range res.Contacts {
		assert.Equal(t, ids[10+i], c.ID)
	}

	// Duplicates by email, then phone: the "+" must survive the query string.
	dup, _, err := client.Contacts.FindDuplicate(ctx, &DuplicateOptions{Email: "zed+vip@example.com"})
	require.NoError(t, err)
	require.NotNil(t, dup)
	assert.Equal(t, vip.ID, dup.ID)
	dup, _, err = client.Contacts.FindDuplicate(ctx, &DuplicateOptions{Number: "+14155550199"})
	require.NoError(t, err)
	require.NotNil(t, dup)
	assert.Equal(t, vip.ID, dup.ID)
	dup, _, err = client.Contacts.FindDuplicate(ctx, &DuplicateOptions{Email: "nobody@example.com"})
	require.NoError(t, err)
	assert.Nil(t, dup)
}

// SearchAll walks 25,000 contacts, past the 10,000-result limit of page paging, and yields
// each exactly once in the requested order.
func TestFakeSearchAll25000(t *testing.T) {
	srv, client, loc := newFake(t)
	ids := srv.Seed(loc, 25_000, 42) // dateAdded increases in this order
	want := slices.Clone(ids)
	slices.Reverse(want)

	got := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for c, err := range client.Contacts.SearchAll(context.Background(), &SearchRequest{Sort: []SearchSort{{Field: "dateAdded", Direction: SortDesc}}}) {
		require.NoError(t, err)
		require.False(t, seen[c.ID], "contact %s yielded twice", c.ID)
		seen[c.ID] = true
		got = append(got, c.ID)
	}
	assert.Equal(t, want, got)
	// 50 full pages and the empty one that ends the walk.
	assert.Equal(t, 51, srv.Requests("POST", "/contacts/search"))
}

func TestFakeListAndListAll(t *testing.T) {
	srv, client, loc := newFake(t)
	ids := srv.Seed(loc, 250, 3)
	list, _, err := client.Contacts.List(context.Background(), &ListOptions{Limit: 100})
	require.NoError(t, err)
	assert.Len(t, list.Contacts, 100)

	var got []string
	for c, err := range client.Contacts.ListAll(context.Background(), &ListOptions{Limit: 100}) {
		require.NoError(t, err)
		got = append(got, c.ID)
	}
	assert.Equal(t, sorted(ids), sorted(got), "every contact exactly once")
}

func TestFakeBusiness(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()
	ids := srv.Seed(loc, 7, 5)

	res, _, err := client.Contacts.UpdateBusiness(ctx, &BulkBusinessRequest{ContactIDs: ids[:5], BusinessID: "biz-1"})
	require.NoError(t, err)
	assert.True(t, res.Success)
	assert.Equal(t, sorted(ids[:5]), sorted(res.IDs))
	for _, id := range ids[:5] {
		assert.Equal(t, "biz-1", field[string](t, srv, loc, id, "businessId"))
	}
	assert.Empty(t, field[string](t, srv, loc, ids[5], "businessId"))

	page, _, err := client.Contacts.ListByBusiness(ctx, "biz-1", &ListByBusinessOptions{Limit: 2, Skip: 1})
	require.NoError(t, err)
	assert.Len(t, page.Contacts, 2)
	assert.Equal(t, 5, page.Count)

	var all []string
	for c, err := range client.Contacts.listByBusinessAll(ctx, "biz-1", &ListByBusinessOptions{Limit: 2}) {
		require.NoError(t, err)
		all = append(all, c.ID)
	}
	assert.Equal(t, sorted(ids[:5]), sorted(all))

	_, _, err = client.Contacts.UpdateBusiness(ctx, &BulkBusinessRequest{ContactIDs: ids[:2], RemoveFromBusiness: true})
	require.NoError(t, err)
	assert.Empty(t, field[string](t, srv, loc, ids[0], "businessId"))
	assert.Equal(t, "biz-1", field[string](t, srv, loc, ids[2], "businessId"))
}

func TestFakeFollowersCampaignsWorkflows(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()
	id := srv.Seed(loc, 1, 9)[0]

	fr, _, err := client.Contacts.AddFollowers(ctx, id, []string{"u1", "u2"})
	require.NoError(t, err)
	assert.Equal(t, []string{"u1", "u2"}, sorted(fr.Followers))
	assert.Equal(t, []string{"u1", "u2"}, sorted(field[[]string](t, srv, loc, id, "followers")))
	fr, _, err = client.Contacts.RemoveFollowers(ctx, id, []string{"u1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"u1"}, fr.FollowersRemoved)
	assert.Equal(t, []string{"u2"}, field[[]string](t, srv, loc, id, "followers"))

	for _, camp := range []string{"camp-1", "camp-2", "camp-3"} {
		_, err := client.Contacts.AddToCampaign(ctx, id, camp)
		require.NoError(t, err)
	}
	assert.Contains(t, srv.StateDigest(loc), "  campaign camp-2\n")
	_, err = client.Contacts.RemoveFromCampaign(ctx, id, "camp-2")
	require.NoError(t, err)
	d := srv.StateDigest(loc)
	assert.NotContains(t, d, "campaign camp-2")
	assert.Contains(t, d, "  campaign camp-1\n")
	_, err = client.Contacts.RemoveFromAllCampaigns(ctx, id)
	require.NoError(t, err)
	assert.NotContains(t, srv.StateDigest(loc), "  campaign ")

	start := time.Date(2021, 6, 23, 3, 30, 0, 0, time.FixedZone("", 3600))
	_, err = client.Contacts.AddToWorkflow(ctx, id, "wf-1", &WorkflowOptions{EventStartTime: start})
	require.NoError(t, err)
	_, err = client.Contacts.AddToWorkflow(ctx, id, "wf-2", nil)
	require.NoError(t, err)
	d = srv.StateDigest(loc)
	assert.Contains(t, d, "  workflow wf-1 eventStartTime=2021-06-23T03:30:00+01:00\n")
	assert.Contains(t, d, "  workflow wf-2 ")
	_, err = client.Contacts.RemoveFromWorkflow(ctx, id, "wf-1", nil)
	require.NoError(t, err)
	d = srv.StateDigest(loc)
	assert.NotContains(t, d, "workflow wf-1")
	assert.Contains(t, d, "workflow wf-2")

	// A contact that does not exist is an API error, not a silent success.
	_, err = client.Contacts.AddToCampaign(ctx, "NoSuchContact0000001", "camp-1")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestFakeTasks(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()
	c, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{Email: "tasks@example.com"})
	require.NoError(t, err)

	due := time.Date(2030, 1, 2, 15, 0, 0, 0, time.UTC)
	task, resp, err := client.Tasks.Create(ctx, c.ID, &TaskCreateRequest{Title: "Call back", Body: "about the quote", DueDate: Time{Time: due}})
	require.NoError(t, err)
	assert.Equal(t, 201, resp.StatusCode)
	assert.True(t, task.DueDate.Equal(due))
	stored := srv.Tasks(loc, c.ID)
	require.Len(t, stored, 1)
	assert.Equal(t, "Call back", stored[0].Title)
	assert.False(t, stored[0].Completed)

	task, _, err = client.Tasks.Update(ctx, c.ID, task.ID, &TaskUpdateRequest{Title: Ptr("Call back today")})
	require.NoError(t, err)
	assert.Equal(t, "Call back today", task.Title)
	assert.Equal(t, "Call back today", srv.Tasks(loc, c.ID)[0].Title)
	assert.Equal(t, "about the quote", srv.Tasks(loc, c.ID)[0].Body)

	task, _, err = client.Tasks.SetCompleted(ctx, c.ID, task.ID, true)
	require.NoError(t, err)
	assert.True(t, task.Completed)
	assert.True(t, srv.Tasks(loc, c.ID)[0].Completed)

	got, _, err := client.Tasks.Get(ctx, c.ID, task.ID)
	require.NoError(t, err)
	assert.Equal(t, task.ID, got.ID)
	list, _, err := client.Tasks.List(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, task.ID, list[0].ID)

	_, err = client.Tasks.Delete(ctx, c.ID, task.ID)
	require.NoError(t, err)
	assert.Empty(t, srv.Tasks(loc, c.ID))
	_, _, err = client.Tasks.Get(ctx, c.ID, task.ID)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestFakeNotes(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()
	c, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{Email: "notes@example.com"})
	require.NoError(t, err)

	n, resp, err := client.Notes.Create(ctx, c.ID, &NoteCreateRequest{Body: "Asked for pricing.", Title: "Call"})
	require.NoError(t, err)
	assert.Equal(t, 201, resp.StatusCode)
	stored := srv.Notes(loc, c.ID)
	require.Len(t, stored, 1)
	assert.Equal(t, "Asked for pricing.", stored[0].Body)

	n, _, err = client.Notes.Update(ctx, c.ID, n.ID, &NoteUpdateRequest{Pinned: Ptr(true)})
	require.NoError(t, err)
	assert.True(t, n.Pinned)
	assert.Equal(t, "Asked for pricing.", n.Body)
	assert.True(t, srv.Notes(loc, c.ID)[0].Pinned)

	got, _, err := client.Notes.Get(ctx, c.ID, n.ID)
	require.NoError(t, err)
	assert.Equal(t, "Call", got.Title)
	list, _, err := client.Notes.List(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)

	_, err = client.Notes.Delete(ctx, c.ID, n.ID)
	require.NoError(t, err)
	assert.Empty(t, srv.Notes(loc, c.ID))
}

func TestFakeAppointments(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()
	c, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{Email: "appt@example.com"})
	require.NoError(t, err)
	start := time.Date(2031, 7, 16, 11, 0, 0, 0, time.UTC)
	apptID, err := srv.BookAppointment(loc, c.ID, ghltest.Appointment{CalendarID: "cal-1", Title: "Consultation", StartTime: start})
	require.NoError(t, err)

	list, _, err := client.Appointments.List(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	a := list[0]
	assert.Equal(t, apptID, a.ID)
	assert.Equal(t, "Consultation", a.Title)
	assert.Equal(t, "2031-07-16 11:00:00", a.StartTime.Raw)
	assert.True(t, a.StartTime.Equal(start))
	assert.True(t, a.EndTime.Equal(start.Add(30*time.Minute)))
}

func TestFakeTags(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()
	ids := srv.Seed(loc, 3, 11)
	for _, id := range ids {
		_, _, err := client.Contacts.Update(ctx, id, &ContactUpdateRequest{Tags: []string{"base"}})
		require.NoError(t, err)
	}

	tags, _, err := client.Tags.Add(ctx, ids[0], []string{"vip", "hot"})
	require.NoError(t, err)
	assert.Equal(t, []string{"base", "hot", "vip"}, sorted(tags))
	assert.Equal(t, []string{"base", "hot", "vip"}, sorted(field[[]string](t, srv, loc, ids[0], "tags")))
	tags, _, err = client.Tags.Remove(ctx, ids[0], []string{"hot"})
	require.NoError(t, err)
	assert.Equal(t, []string{"base", "vip"}, sorted(tags))
	assert.Equal(t, []string{"base", "vip"}, sorted(field[[]string](t, srv, loc, ids[0], "tags")))

	res, _, err := client.Tags.BulkUpdate(ctx, &BulkTagsRequest{Operation: TagsAdd, ContactIDs: append(slices.Clone(ids[1:]), "missing-id"), Tags: []string{"bulk"}})
	require.NoError(t, err)
	assert.Equal(t, 1, res.ErrorCount)
	require.Len(t, res.Responses, 3)
	assert.Equal(t, "error", res.Responses[2].Type)
	for _, id := range ids[1:] {
		assert.Equal(t, []string{"base", "bulk"}, sorted(field[[]string](t, srv, loc, id, "tags")))
	}

	_, _, err = client.Tags.BulkUpdate(ctx, &BulkTagsRequest{Operation: TagsRemove, ContactIDs: ids[1:2], Tags: []string{"bulk"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"base"}, field[[]string](t, srv, loc, ids[1], "tags"))

	res, _, err = client.Tags.BulkUpdate(ctx, &BulkTagsRequest{Operation: TagsRemove, ContactIDs: ids, RemoveAllTags: true})
	require.NoError(t, err)
	assert.True(t, res.Succeeded)
	for _, id := range ids {
		assert.Empty(t, field[[]string](t, srv, loc, id, "tags"), id)
	}
	assert.False(t, strings.Contains(srv.StateDigest(loc), `"bulk"`))
}
