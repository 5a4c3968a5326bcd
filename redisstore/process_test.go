package redisstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// The multi-process tests re-run this test binary as replicas of a service: the child runs
// only TestReplicaProcess, which reads its role and settings from childEnv, and talks to the
// parent in lines starting with linePrefix on stdin and stdout.
const (
	childEnv   = "REDISSTORE_TEST_REPLICA"
	linePrefix = "@@ "
)

// replicaSpec is what a child replica is told to be.
type replicaSpec struct {
	Role     string // "refresh", "sync" or "holdlock"
	Redis    string
	Prefix   string
	GHL      string
	Location string
	Token    string // a fixed token (sync)
	Contacts []string
	Workers  int
	Requests int // per round (refresh: per worker; sync: per process)
	LockTTL  time.Duration
}

// TestReplicaProcess is the body of a child replica; run directly it does nothing.
func TestReplicaProcess(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("the body of a child replica of the multi-process tests")
	}
	var spec replicaSpec
	require.NoError(t, json.Unmarshal([]byte(raw), &spec))
	rdb := redis.NewClient(&redis.Options{Addr: spec.Redis, MaxRetries: 1, DialerRetries: 1})
	defer rdb.Close()
	opts := []Option{WithPrefix(spec.Prefix)}
	if spec.LockTTL > 0 {
		opts = append(opts, WithLockTTL(spec.LockTTL))
	}
	st, err := New(rdb, opts...)
	require.NoError(t, err)
	switch spec.Role {
	case "refresh":
		replicaRefresh(t, spec, st)
	case "sync":
		replicaSync(t, spec, st)
	case "holdlock":
		_, err := st.Lock(context.Background(), spec.Location)
		require.NoError(t, err)
		say("LOCKED")
		time.Sleep(time.Hour) // until the parent kills this process
	default:
		t.Fatalf("unknown role %q", spec.Role)
	}
}

func say(format string, args ...any) {
	fmt.Printf(linePrefix+format+"\n", args...)
}

// replicaRefresh serves rounds: on each GO line every worker gets each contact with the
// OAuth token source over the shared store, and the replica reports its errors.
func replicaRefresh(t *testing.T, spec replicaSpec, st *Store) {
	client := oauthClientAt(t, spec.GHL, st, spec.Location)
	say("READY")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var wg sync.WaitGroup
		var failed atomic.Int64
		var first atomic.Value
		for range spec.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, id := range spec.Contacts {
					if _, _, err := client.Contacts.Get(context.Background(), id); err != nil {
						failed.Add(1)
						first.CompareAndSwap(nil, err.Error())
					}
				}
			}()
		}
		wg.Wait()
		say("DONE %d %v", failed.Load(), first.Load())
	}
}

// replicaSync sends spec.Requests gets with spec.Workers workers once told GO, through the
// shared limiter, and reports its 429s and other errors. Retries are off, so a 429 is seen.
func replicaSync(t *testing.T, spec replicaSpec, st *Store) {
	client, err := ghl.NewClient(ghl.WithBaseURL(spec.GHL), ghl.WithLocationID(spec.Location),
		ghl.WithAccessToken(spec.Token), ghl.WithRateLimiter(st.Limiter()), ghl.WithMaxRetries(0))
	require.NoError(t, err)
	say("READY")
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		return
	}
	var next, limited, failed atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for range spec.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(spec.Requests) {
					return
				}
				_, _, err := client.Contacts.Get(context.Background(), spec.Contacts[int(n)%len(spec.Contacts)])
				switch {
				case errors.Is(err, ghl.ErrRateLimited):
					limited.Add(1)
				case err != nil:
					failed.Add(1)
					first.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	say("DONE %d %d %v", limited.Load(), failed.Load(), first.Load())
}

// replica is a running child process.
type replica struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	log   *strings.Builder // everything else it printed, for failure messages
	logMu *sync.Mutex
}

func startReplica(t testing.TB, spec replicaSpec) *replica {
	t.Helper()
	raw, err := json.Marshal(spec)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^TestReplicaProcess$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	r := &replica{cmd: cmd, stdin: stdin, lines: make(chan string, 16), log: &strings.Builder{}, logMu: &sync.Mutex{}}
	cmd.Stderr = &lockedWriter{r.log, r.logMu}
	require.NoError(t, cmd.Start())
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), linePrefix); ok {
				r.lines <- line
				continue
			}
			r.logMu.Lock()
			r.log.WriteString(sc.Text() + "\n")
			r.logMu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return r
}

type lockedWriter struct {
	b  *strings.Builder
	mu *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// expect waits for the replica's next line, which must start with word.
func (r *replica) expect(t testing.TB, word string, timeout time.Duration) string {
	t.Helper()
	select {
	case line, ok := <-r.lines:
		if !ok {
			r.logMu.Lock()
			defer r.logMu.Unlock()
			t.Fatalf("replica exited while %s was expected; its output:\n%s", word, r.log.String())
		}
		rest, found := strings.CutPrefix(line, word)
		require.True(t, found, "replica said %q, expected %s", line, word)
		return strings.TrimSpace(rest)
	case <-time.After(timeout):
		r.logMu.Lock()
		defer r.logMu.Unlock()
		t.Fatalf("no %s from the replica within %v; its output:\n%s", word, timeout, r.log.String())
	}
	return ""
}

func (r *replica) send(t testing.TB, line string) {
	t.Helper()
	_, err := io.WriteString(r.stdin, line+"\n")
	require.NoError(t, err)
}

// installApp exchanges an authorization code of srv for location loc and saves the token in
// st, as the install flow of the service does.
func installApp(t *testing.T, srv *ghltest.Server, st ghl.TokenStore, loc string) {
	t.Helper()
	_, err := newApp(t, srv.URL).ExchangeAndSave(context.Background(), st, srv.AuthorizationCode(loc), ghl.UserTypeLocation)
	require.NoError(t, err)
}

// newApp returns the fake's OAuth app, whose token requests and clients go to ghlURL.
func newApp(t testing.TB, ghlURL string, opts ...ghl.Option) *ghl.OAuthApp {
	t.Helper()
	base, err := ghl.NewClient(append([]ghl.Option{ghl.WithBaseURL(ghlURL)}, opts...)...)
	require.NoError(t, err)
	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: ghltest.DefaultClientID, ClientSecret: ghltest.DefaultClientSecret, Client: base})
	require.NoError(t, err)
	return app
}

// oauthClientAt returns the client of loc from a new app over ghlURL, its tokens in st.
func oauthClientAt(t testing.TB, ghlURL string, st ghl.TokenStore, loc string, opts ...ghl.Option) *ghl.Client {
	t.Helper()
	clients, err := newApp(t, ghlURL, opts...).LocationClients(st)
	require.NoError(t, err)
	client, err := clients.Client(loc)
	require.NoError(t, err)
	return client
}

func oauthClient(t testing.TB, srv *ghltest.Server, st ghl.TokenStore, loc string, opts ...ghl.Option) *ghl.Client {
	t.Helper()
	return oauthClientAt(t, srv.URL, st, loc, opts...)
}

// renewCooldown is how long after renewing a key's token the SDK returns a 401 to the caller
// instead of renewing again.
const renewCooldown = 10*time.Second + 100*time.Millisecond

func TestFourReplicasRefreshOncePerExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes")
	}
	rs := startRedis(t)
	srv := ghltest.NewServer()
	defer srv.Close()
	const loc = "loc-replicas"
	contacts := srv.Seed(loc, 3, 1)
	st := newStore(t, rs)
	installApp(t, srv, st, loc)

	spec := replicaSpec{Role: "refresh", Redis: rs.Addr, Prefix: st.prefix, GHL: srv.URL, Location: loc,
		Contacts: contacts, Workers: 4}
	replicas := make([]*replica, 4)
	for i := range replicas {
		replicas[i] = startReplica(t, spec)
	}
	for _, r := range replicas {
		r.expect(t, "READY", time.Minute)
	}
	round := func() {
		for _, r := range replicas {
			r.send(t, "GO")
		}
		for _, r := range replicas {
			require.Equal(t, "0 <nil>", r.expect(t, "DONE", time.Minute))
		}
	}
	round()
	require.Equal(t, 0, srv.RefreshCount(), "the installed token was still valid")
	for expiry := 1; expiry <= 3; expiry++ {
		if expiry > 1 {
			// A token GHL refuses moments after a replica renewed it is not renewed again
			// within the SDK's cool-down (10 s): wait it out, as a day between expiries would.
			time.Sleep(renewCooldown)
		}
		// Every replica holds the access token in memory; the server now refuses it, so each
		// of the 16 workers in 4 processes gets a 401 and asks for a new one at once.
		srv.ExpireAccessTokens()
		round()
		require.Equal(t, expiry, srv.RefreshCount(), "refreshes after expiry %d", expiry)
		require.Equal(t, 0, srv.RefreshTokenReuses())
	}
}

func TestFourReplicasShareTheRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes and runs for seconds")
	}
	elapsed, minimum := runFourReplicaSync(t)
	t.Logf("shared limiter: 4 processes, 200 requests, 50 per 1s: %v, %.3fx the minimum %v, 0 429s",
		elapsed.Round(time.Millisecond), float64(elapsed)/float64(minimum), minimum)
}

// BenchmarkFourReplicaSync reports how close four processes sharing the limiter come to the
// fastest schedule GHL's window allows (x-minimum: 1 is the theoretical minimum).
func BenchmarkFourReplicaSync(b *testing.B) {
	var ratio float64
	for range b.N {
		elapsed, minimum := runFourReplicaSync(b)
		ratio = float64(elapsed) / float64(minimum)
	}
	b.ReportMetric(ratio, "x-minimum")
}

// runFourReplicaSync starts four replicas that send 50 requests each at once (16 workers
// each, so more requests are ready than a window holds) against a limit of 50 per second,
// checks that none was answered 429, and returns the time from the start signal to the last
// answer and the theoretical minimum for that many requests.
func runFourReplicaSync(t testing.TB) (elapsed, minimum time.Duration) {
	rs := startRedis(t)
	// Scaled down from GHL's 100 per 10 s so the test runs in seconds: 50 per second, in the
	// sliding-window mode that is the stricter of the two. The replicas are not told the limit:
	// they learn it from the headers.
	const (
		limit     = 50
		window    = time.Second
		processes = 4
		perProc   = 50
	)
	srv := ghltest.NewServer(ghltest.WithRateLimit(ghltest.RateLimitConfig{
		Mode: ghltest.SlidingWindow, Limit: limit, Window: window}))
	defer srv.Close()
	contacts := srv.Seed(srv.LocationID(), 10, 1)
	st := newStore(t, rs)

	spec := replicaSpec{Role: "sync", Redis: rs.Addr, Prefix: st.prefix, GHL: srv.URL, Location: srv.LocationID(),
		Token: srv.Token(), Contacts: contacts, Workers: 16, Requests: perProc}
	replicas := make([]*replica, processes)
	for i := range replicas {
		replicas[i] = startReplica(t, spec)
	}
	for _, r := range replicas {
		r.expect(t, "READY", time.Minute)
	}
	start := time.Now()
	for _, r := range replicas {
		r.send(t, "GO")
	}
	for _, r := range replicas {
		require.Equal(t, "0 0 <nil>", r.expect(t, "DONE", time.Minute), "429s, other errors, first error")
	}
	elapsed = time.Since(start)
	require.Equal(t, 0, srv.RateLimited(), "the server answered 429")
	require.Equal(t, processes*perProc, srv.Admitted())

	// The fastest any client can go: a full window at once, then one more per window.
	n := processes * perProc
	return elapsed, time.Duration((n+limit-1)/limit-1) * window
}

func TestKilledLockHolderDelaysTheRefreshByTheLockTTL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	rs := startRedis(t)
	srv := ghltest.NewServer()
	defer srv.Close()
	const loc = "loc-killed"
	contacts := srv.Seed(loc, 1, 1)
	const lockTTL = time.Second
	st := newStore(t, rs, WithLockTTL(lockTTL))
	installApp(t, srv, st, loc)

	// A replica takes the refresh lock and dies holding it.
	holder := startReplica(t, replicaSpec{Role: "holdlock", Redis: rs.Addr, Prefix: st.prefix, Location: loc, LockTTL: lockTTL})
	holder.expect(t, "LOCKED", time.Minute)
	require.NoError(t, holder.cmd.Process.Kill())
	_ = holder.cmd.Wait()
	left, err := rs.Client(t).PTTL(context.Background(), st.lockKey(loc)).Result()
	require.NoError(t, err)
	require.Greater(t, left, time.Duration(0), "the dead holder's lock is still there")

	// This replica's token is refused; it must wait for the lock to expire, then refresh once.
	srv.ExpireAccessTokens()
	client := oauthClient(t, srv, st, loc)
	start := time.Now()
	_, _, err = client.Contacts.Get(context.Background(), contacts[0])
	require.NoError(t, err)
	// Not a speed check: the lock cannot be taken before the dead holder's TTL runs out.
	require.GreaterOrEqual(t, time.Since(start), left-10*time.Millisecond)
	require.Equal(t, 1, srv.RefreshCount())
	require.Equal(t, 0, srv.RefreshTokenReuses())
	n, err := rs.Client(t).Exists(context.Background(), st.lockKey(loc)).Result()
	require.NoError(t, err)
	require.Zero(t, n, "the refresher released its lock")
}
