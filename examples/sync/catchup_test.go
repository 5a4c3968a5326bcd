package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// restartRun is one run of the restart scenario, as both sides ended it.
type restartRun struct {
	ghlDigest     string // ghltest's StateDigest of the location
	lpDigest      string // lpDigest of LinkedPhone's data file, reloaded from disk
	lpBeforeCatch string // lpDigest when the sync restarted, before its catch-up
	undelivered   int    // webhooks GHL could not deliver
	catchUp       *CatchUpResult
	changed       []string // the seeded contacts GHL users changed
	created       []string // the contacts GHL users created
}

// runRestart runs the sync twice over one data file, as two processes would: the first
// imports and receives webhooks; then GHL users change contacts; then the second starts,
// catches up from the checkpoint and receives webhooks. With missEvents the first process is
// stopped before the changes, so GHL cannot deliver their webhooks; without it, it stops
// after every webhook was handled. Both runs read one clock that starts at the same instant,
// so the follow-up tasks' due dates agree.
func runRestart(t *testing.T, missEvents bool) restartRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The clock stands at t0 while the fake seeds its contacts (their dates derive from it),
	// then runs.
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var started atomic.Pointer[time.Time]
	clock := func() time.Time {
		if s := started.Load(); s != nil {
			return t0.Add(time.Since(*s))
		}
		return t0
	}

	srv := ghltest.NewServer(ghltest.WithClock(clock))
	t.Cleanup(srv.Close)
	srv.SetWebhookRetries(1, time.Millisecond)
	loc := srv.LocationID()
	ids := srv.Seed(loc, 20, 7)
	now := time.Now()
	started.Store(&now)
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc))
	require.NoError(t, err)
	ghlUser, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc))
	require.NoError(t, err)
	verifier, err := ghl.NewWebhookVerifier(ghl.WithoutDefaultKeys(), ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()), ghl.WithClock(clock))
	require.NoError(t, err)
	dataPath := filepath.Join(t.TempDir(), "lp.json")

	// A process of the sync: the store from disk, a receiver, webhooks pointed at it.
	startProcess := func() (*Syncer, *Store, *Receiver) {
		store, err := OpenStore(dataPath)
		require.NoError(t, err)
		syncer := NewSyncer(client, store, quietLogger(), true, nil)
		syncer.now = clock
		rcv, err := StartReceiver("127.0.0.1:0", webhookMux(verifier, syncer.HandleEvent), quietLogger())
		require.NoError(t, err)
		t.Cleanup(func() { rcv.Close() })
		srv.RegisterWebhook(rcv.URL)
		return syncer, store, rcv
	}

	syncer, store, rcv := startProcess()
	_, err = syncer.Import(ctx, NewProgress(&strings.Builder{}, false, "import"))
	require.NoError(t, err)
	require.False(t, store.Checkpoint().IsZero(), "the import sets the checkpoint")
	if missEvents {
		require.NoError(t, rcv.Close())
	}

	var run restartRun
	// GHL users at work.
	run.changed = ids[:5]
	_, _, err = ghlUser.Contacts.Update(ctx, ids[0], &ghl.ContactUpdateRequest{Name: ghl.Ptr("Jordan Reyes"), FirstName: ghl.Ptr("Jordan"), LastName: ghl.Ptr("Reyes")})
	require.NoError(t, err)
	_, _, err = ghlUser.Contacts.Update(ctx, ids[1], &ghl.ContactUpdateRequest{DND: ghl.Ptr(true)})
	require.NoError(t, err)
	_, _, err = ghlUser.Tags.Add(ctx, ids[2], []string{"vip"})
	require.NoError(t, err)
	_, _, err = ghlUser.Contacts.Update(ctx, ids[3], &ghl.ContactUpdateRequest{Email: ghl.Ptr("moved@example.com"), Phone: ghl.Ptr("+15557770003")})
	require.NoError(t, err)
	c4, _ := srv.Contact(loc, ids[4])
	_, _, err = ghlUser.Tags.Remove(ctx, ids[4], []string{tagsOf(c4)[0]})
	require.NoError(t, err)
	// Changed twice: the second change is what must win.
	_, _, err = ghlUser.Contacts.Update(ctx, ids[0], &ghl.ContactUpdateRequest{Email: ghl.Ptr("jordan.reyes@example.com")})
	require.NoError(t, err)
	devon, _, err := ghlUser.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Devon", LastName: "Price", Email: "devon.price@example.com", Phone: "+15559990002"})
	require.NoError(t, err)
	rosa, _, err := ghlUser.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{Name: "Rosa Diaz", Phone: "+15559990003"})
	require.NoError(t, err)
	require.True(t, rosa.New)
	run.created = []string{devon.ID, rosa.Contact.ID}
	require.NoError(t, srv.FlushWebhooks(ctx))
	require.NoError(t, rcv.Close()) // the first process stops
	for _, d := range srv.Deliveries() {
		if !d.Delivered {
			run.undelivered++
		}
	}

	// The second process.
	reloaded, err := OpenStore(dataPath)
	require.NoError(t, err)
	run.lpBeforeCatch = lpDigest(reloaded)
	syncer, store, rcv = startProcess()
	run.catchUp, err = syncer.CatchUp(ctx)
	require.NoError(t, err)
	require.NoError(t, srv.FlushWebhooks(ctx))
	require.NoError(t, rcv.Close())
	for _, d := range srv.Deliveries() {
		assert.True(t, d.Delivered || missEvents, "webhook %s %s was not delivered in a run that missed nothing", d.Type, d.WebhookID)
	}

	run.ghlDigest = srv.StateDigest(loc)
	final, err := OpenStore(dataPath)
	require.NoError(t, err)
	run.lpDigest = lpDigest(final)
	assert.Equal(t, store.Checkpoint(), final.Checkpoint(), "the checkpoint is saved with the records")
	return run
}

// TestRestartAfterMissedEventsEndsInTheSameState is the reconciliation path end to end: a sync
// whose receiver was down while contacts changed in GHL ends, after its restart and catch-up,
// in the same state on both sides as a sync that received every webhook.
func TestRestartAfterMissedEventsEndsInTheSameState(t *testing.T) {
	live := runRestart(t, false)
	missed := runRestart(t, true)

	// The scenario did miss events, and without the catch-up LinkedPhone would be behind.
	assert.Zero(t, live.undelivered)
	assert.Equal(t, 8, missed.undelivered, "6 contact changes (one contact twice) and 2 creations")
	assert.NotEqual(t, live.lpDigest, missed.lpBeforeCatch, "the missed events matter")

	// The catch-up found exactly what was missed.
	assert.Equal(t, 2, missed.catchUp.Created)
	assert.Equal(t, 5, missed.catchUp.Updated)
	assert.Zero(t, live.catchUp.Created, "nothing was missed: the follow-ups exist")
	assert.Zero(t, live.catchUp.Updated, "nothing was missed: every change was applied")
	assert.Equal(t, live.catchUp.Read, missed.catchUp.Read, "both catch-ups read the same changes")

	// Both sides end alike.
	assert.Equal(t, live.ghlDigest, missed.ghlDigest, "GHL's state")
	assert.Equal(t, live.lpDigest, missed.lpDigest, "LinkedPhone's state")
	// And the state is the right one.
	for _, want := range []string{
		`email:jordan.reyes@example.com name="Jordan Reyes"`,
		`email:moved@example.com`, `phone="+15557770003"`,
		`status=do-not-call`, `"vip"`,
		`email:devon.price@example.com name="Devon Price"`, `task "Follow up with Devon Price"`,
		`phone:+15559990003 name="Rosa Diaz"`, `task "Follow up with Rosa Diaz"`,
	} {
		assert.Contains(t, missed.lpDigest, want)
	}
}

// lpDigest is a canonical text of LinkedPhone's records, as StateDigest is of GHL's: each
// record keyed by email (or phone, or name), with its contact fields, tasks, notes,
// appointments and calls, leaving out IDs and times that differ between two runs that made
// the same changes (LinkedPhone's record IDs follow the order webhooks arrived in).
func lpDigest(s *Store) string {
	var blocks []string
	for _, r := range s.Records() {
		key := "name:" + r.Name
		switch {
		case r.Email != "":
			key = "email:" + r.Email
		case r.Phone != "":
			key = "phone:" + r.Phone
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s name=%q phone=%q status=%s linked=%v tags=%q\n", key, r.Name, r.Phone, r.Status, r.ContactID != "", r.Tags)
		var items []string
		for _, t := range r.Tasks {
			items = append(items, fmt.Sprintf("  task %q body=%q due=%s completed=%v", t.Title, t.Body, t.DueDate.UTC().Format(time.RFC3339), t.Completed))
		}
		for _, n := range r.Notes {
			items = append(items, fmt.Sprintf("  note %q", n.Body))
		}
		for _, a := range r.Appointments {
			items = append(items, fmt.Sprintf("  appointment %q %s %s", a.Title, a.Start.UTC().Format(time.RFC3339), a.Status))
		}
		for _, c := range r.Calls {
			items = append(items, fmt.Sprintf("  call %s %s missed=%v seconds=%d %q noted=%v", c.At.UTC().Format(time.RFC3339), c.Direction, c.Missed, c.Seconds, c.Summary, c.NoteID != ""))
		}
		slices.Sort(items)
		for _, it := range items {
			b.WriteString(it + "\n")
		}
		blocks = append(blocks, b.String())
	}
	slices.Sort(blocks)
	return strings.Join(blocks, "")
}

// Without a checkpoint (no import yet) a catch-up imports every contact: it creates no
// follow-up tasks, since it cannot tell which contacts are new.
func TestCatchUpWithoutCheckpointImports(t *testing.T) {
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	loc := srv.LocationID()
	ids := srv.Seed(loc, 5, 2)
	before := srv.StateDigest(loc)
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc))
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	syncer := NewSyncer(client, store, quietLogger(), true, nil)

	res, err := syncer.CatchUp(context.Background())
	require.NoError(t, err)
	assert.Equal(t, CatchUpResult{Read: 5, Checkpoint: store.Checkpoint()}, *res)
	last, _, err := client.Contacts.Get(context.Background(), ids[4])
	require.NoError(t, err)
	assert.Equal(t, last.DateUpdated.Time, store.Checkpoint(), "the newest dateUpdated read")
	assert.Equal(t, 5, store.Len())
	assert.Equal(t, before, srv.StateDigest(loc), "nothing was written to GHL")
}

// failingSearches answers the nth POST /contacts/search with a 500 and passes the rest on.
type failingSearches struct {
	next  http.RoundTripper
	n     int
	count atomic.Int32
}

func (f *failingSearches) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/contacts/search") && int(f.count.Add(1)) == f.n {
		return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"message":"boom"}`)), Request: r}, nil
	}
	return f.next.RoundTrip(r)
}

// A catch-up that fails part-way keeps what it applied but not a new checkpoint; the next one
// walks again from the old checkpoint (here none: an import) and completes.
func TestCatchUpFailurePartWayKeepsProgress(t *testing.T) {
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	loc := srv.LocationID()
	ids := srv.Seed(loc, 600, 4) // two pages of search
	path := filepath.Join(t.TempDir(), "lp.json")
	failing, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc),
		ghl.WithMaxRetries(0), ghl.WithHTTPClient(&http.Client{Transport: &failingSearches{next: http.DefaultTransport, n: 2}}))
	require.NoError(t, err)
	store, err := OpenStore(path)
	require.NoError(t, err)

	res, err := NewSyncer(failing, store, quietLogger(), true, nil).CatchUp(context.Background())
	var apiErr *ghl.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusInternalServerError, apiErr.StatusCode)
	assert.Equal(t, 500, res.Read)
	reloaded, err := OpenStore(path)
	require.NoError(t, err)
	assert.Equal(t, 500, reloaded.Len(), "what was applied is saved")
	assert.True(t, reloaded.Checkpoint().IsZero(), "the checkpoint waits for a complete walk")
	assert.True(t, res.Checkpoint.IsZero())

	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc))
	require.NoError(t, err)
	res, err = NewSyncer(client, reloaded, quietLogger(), true, nil).CatchUp(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 600, reloaded.Len())
	assert.Equal(t, CatchUpResult{Read: 600, Checkpoint: reloaded.Checkpoint()}, *res, "an import: no follow-up tasks")
	c, _ := srv.Contact(loc, ids[599])
	assert.Equal(t, c.DateUpdated, reloaded.Checkpoint())
	for _, id := range ids {
		_, ok := reloaded.ByContactID(id)
		assert.True(t, ok, "contact %s", id)
	}
}
