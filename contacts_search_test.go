package ghl

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveContacts turns the test binary into a ghltest server process holding that many
// contacts (TestMain runs it instead of the tests), so a test can measure the client's heap
// without the server's in it.
var serveContacts = flag.Int("ghl.serve-contacts", 0, "serve this many seeded contacts from a ghltest server instead of running the tests")

const serveMarker = "GHLTEST-SERVE"

// serveContactsMain is the server process: it seeds n contacts, prints the marker line with
// the server's URL, token and location, and serves until stdin is closed. It returns the exit
// status: 1 when the server does not hold exactly n contacts.
func serveContactsMain(n int) int {
	srv := ghltest.NewServer()
	defer srv.Close()
	loc := srv.LocationID()
	srv.Seed(loc, n, 1)
	if got := srv.ContactCount(loc); got != n {
		fmt.Fprintf(os.Stderr, "seeded %d contacts, want %d\n", got, n)
		return 1
	}
	fmt.Println(serveMarker, srv.URL, srv.Token(), loc)
	_, _ = io.Copy(io.Discard, os.Stdin) // serve until the parent closes stdin
	return 0
}

// startContactsServer starts a server process holding n contacts and returns its base URL,
// token and location, and stop, which closes the process's stdin and fails the test unless
// the process then exits with status 0. Cleanup calls stop if the test has not.
func startContactsServer(t testing.TB, n int) (baseURL, token, locationID string, stop func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-ghl.serve-contacts="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			stdin.Close()
			select {
			case err := <-exited:
				assert.NoError(t, err, "the server process failed")
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				t.Error("the server process did not exit after its stdin was closed")
			}
		})
	}
	t.Cleanup(stop)
	marker := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var fields []string
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == serveMarker {
				fields = f
				break
			}
		}
		marker <- fields
		_, _ = io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	select {
	case fields := <-marker:
		require.Len(t, fields, 4, "the server process ended without announcing itself")
		return fields[1], fields[2], fields[3], stop
	case <-time.After(time.Minute):
		t.Fatal("the server process did not announce itself within a minute")
		return "", "", "", stop
	}
}

// TestSearchAllHelperServer checks the server process other tests measure against: it
// announces itself, holds exactly the contacts it was asked for, serves them to SearchAll
// past one page, and exits cleanly when its stdin closes.
func TestSearchAllHelperServer(t *testing.T) {
	const n = 2*MaxSearchPageLimit + 3
	baseURL, token, loc, stop := startContactsServer(t, n)
	c, err := NewClient(WithBaseURL(baseURL), WithAccessToken(token), WithLocationID(loc))
	require.NoError(t, err)
	seen := map[string]bool{}
	for ct, err := range c.Contacts.SearchAll(context.Background(), nil) {
		require.NoError(t, err)
		assert.False(t, seen[ct.ID], "contact %s yielded twice", ct.ID)
		seen[ct.ID] = true
		assert.Equal(t, loc, ct.LocationID)
	}
	assert.Len(t, seen, n)
	stop()
}

// changesServer serves POST /contacts/search over n contacts whose dateUpdated rises by one
// millisecond each from base, honouring a gte range on dateUpdated, the dateUpdated sort and
// the searchAfter cursor [epoch ms, id], as GHL's search does. It asserts each request's
// exact body: wantFirst for the first page, and the same plus the previous page's last
// cursor, byte for byte, after that.
type changesServer struct {
	t         *testing.T
	n         int
	base      time.Time
	wantFirst string // JSON of the first request's body

	mu       sync.Mutex
	requests int
	cursor   string // the cursor the next request must send; "" before the first
	failOn   int    // 1-based request to answer 422; 0 never
}

func (cs *changesServer) updated(i int) time.Time {
	return cs.base.Add(time.Duration(i) * time.Millisecond)
}

func (cs *changesServer) handle(w http.ResponseWriter, r *http.Request) {
	t := cs.t
	testMethod(t, r, http.MethodPost)
	testHeaders(t, r, true)
	raw, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.requests++
	want := cs.wantFirst
	if cs.cursor != "" {
		want = strings.TrimSuffix(want, "}") + `,"searchAfter":` + cs.cursor + "}"
	}
	assert.JSONEq(t, want, string(raw), "request %d", cs.requests)
	if cs.requests == cs.failOn {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"statusCode":422,"message":["searchAfter is invalid"]}`)
		return
	}
	var req struct {
		PageLimit   int               `json:"pageLimit"`
		SearchAfter []json.RawMessage `json:"searchAfter"`
		Filters     []struct {
			Value struct {
				Gte string `json:"gte"`
			} `json:"value"`
		} `json:"filters"`
	}
	require.NoError(t, json.Unmarshal(raw, &req))
	start := 0
	if len(req.Filters) > 0 {
		gte, err := time.Parse(time.RFC3339Nano, req.Filters[0].Value.Gte)
		require.NoError(t, err)
		for start < cs.n && cs.updated(start).Before(gte) {
			start++
		}
	}
	if len(req.SearchAfter) == 2 {
		var id string
		require.NoError(t, json.Unmarshal(req.SearchAfter[1], &id))
		i, err := strconv.Atoi(strings.TrimPrefix(id, "c"))
		require.NoError(t, err)
		start = i + 1
	}
	var b strings.Builder
	b.WriteString(`{"contacts":[`)
	last := ""
	for i := start; i < start+req.PageLimit && i < cs.n; i++ {
		if i > start {
			b.WriteByte(',')
		}
		last = fmt.Sprintf(`[%d,"c%05d"]`, cs.updated(i).UnixMilli(), i)
		fmt.Fprintf(&b, `{"id":"c%05d","dateUpdated":%q,"searchAfter":%s}`, i, cs.updated(i).Format("2006-01-02T15:04:05.000Z"), last)
	}
	fmt.Fprintf(&b, `],"total":%d}`, cs.n-start)
	cs.cursor = last
	_, _ = io.WriteString(w, b.String())
}

// ChangedSince walks past the 10,000 results page paging reaches: every request carries the
// dateUpdated range and sort, the later ones the previous page's cursor, never a page number.
func TestChangedSinceWire(t *testing.T) {
	client, mux := setup(t)
	base := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	cs := &changesServer{t: t, n: 10_501, base: base,
		wantFirst: `{"locationId":"loc-test-1","pageLimit":500,
			"filters":[{"field":"dateUpdated","operator":"range","value":{"gte":"2026-03-01T09:30:00.040Z"}}],
			"sort":[{"field":"dateUpdated","direction":"asc"}]}`}
	mux.HandleFunc("/contacts/search", cs.handle)

	// A since between milliseconds is truncated: the contact updated in that millisecond is
	// included. The zone of since does not matter.
	since := base.Add(40*time.Millisecond + 700*time.Microsecond).In(time.FixedZone("UTC+2", 2*3600))
	ids, err := collect(t, client.Contacts.ChangedSince(context.Background(), since))
	require.NoError(t, err)
	assert.Equal(t, wantIDs(40, 10_501), ids, "every contact changed since, once, oldest change first")
	// 20 full pages and a short one.
	assert.Equal(t, 21, cs.requests)
}

func TestChangedSinceZeroWalksEveryContact(t *testing.T) {
	client, mux := setup(t)
	cs := &changesServer{t: t, n: 3, base: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
		wantFirst: `{"locationId":"loc-test-1","pageLimit":500,"sort":[{"field":"dateUpdated","direction":"asc"}]}`}
	mux.HandleFunc("/contacts/search", cs.handle)
	ids, err := collect(t, client.Contacts.ChangedSince(context.Background(), time.Time{}))
	require.NoError(t, err)
	assert.Equal(t, wantIDs(0, 3), ids)
	assert.Equal(t, 1, cs.requests)
}

// An error part-way is yielded once, after the contacts already read, and ends the walk.
func TestChangedSinceStopsAtAnError(t *testing.T) {
	client, mux := setup(t)
	cs := &changesServer{t: t, n: 1200, base: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), failOn: 2,
		wantFirst: `{"locationId":"loc-test-1","pageLimit":500,
			"filters":[{"field":"dateUpdated","operator":"range","value":{"gte":"2026-03-01T09:30:00.000Z"}}],
			"sort":[{"field":"dateUpdated","direction":"asc"}]}`}
	mux.HandleFunc("/contacts/search", cs.handle)
	var ids []string
	var errs []error
	for c, err := range client.Contacts.ChangedSince(context.Background(), cs.base) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, c.ID)
	}
	assert.Equal(t, wantIDs(0, 500), ids)
	require.Len(t, errs, 1)
	var apiErr *APIError
	require.ErrorAs(t, errs[0], &apiErr)
	assert.Equal(t, http.StatusUnprocessableEntity, apiErr.StatusCode)
	assert.Equal(t, []string{"searchAfter is invalid"}, apiErr.Messages)
	assert.Equal(t, 2, cs.requests)
}

// Against the fake: only what changed since the checkpoint comes back, oldest change first,
// and a contact changed while the walk runs comes again at its end instead of being lost.
func TestFakeChangedSince(t *testing.T) {
	srv, client, loc := newFake(t)
	ctx := context.Background()
	ids := srv.Seed(loc, 1200, 3) // dateUpdated increases in this order, 1 ms apart
	mid, _, err := client.Contacts.Get(ctx, ids[100])
	require.NoError(t, err)
	checkpoint := mid.DateUpdated.Time

	// After the checkpoint: one older contact changes, and one is created.
	_, _, err = client.Contacts.Update(ctx, ids[5], &ContactUpdateRequest{City: Ptr("Lisbon")})
	require.NoError(t, err)
	created, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{FirstName: "Grace", Phone: "+14155550123"})
	require.NoError(t, err)

	var got []string
	var last time.Time
	for c, err := range client.Contacts.ChangedSince(ctx, checkpoint) {
		require.NoError(t, err)
		if len(got) == 0 {
			// Changed during the walk: it must come again, after the others.
			_, _, err := client.Contacts.Update(ctx, c.ID, &ContactUpdateRequest{City: Ptr("Porto")})
			require.NoError(t, err)
		}
		require.False(t, c.DateUpdated.Before(last), "contact %s is out of dateUpdated order", c.ID)
		last = c.DateUpdated.Time
		got = append(got, c.ID)
	}
	require.Len(t, got, 1100+3)
	assert.Equal(t, ids[100:], got[:1100])
	// Two changes in the same millisecond are ordered by ID, so either order is right.
	assert.ElementsMatch(t, []string{ids[5], created.ID}, got[1100:1102])
	assert.Equal(t, ids[100], got[1102])
	c, _ := srv.Contact(loc, ids[100])
	assert.Equal(t, "Porto", c.City, "the second copy is the contact as changed")
}
