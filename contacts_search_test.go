package ghl

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
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
