package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStoreRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp.json")
	s, err := OpenStore(path)
	require.NoError(t, err)
	require.Zero(t, s.Len())

	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	id := s.Put(&Record{
		ContactID: "c1", Name: "Ada Caller", Email: "ada@example.com", Phone: "+15559990100", Status: StatusLead,
		Tags:         []string{"called"},
		Tasks:        []Task{{ID: "t1", Title: "Call back", DueDate: at, Completed: false}},
		Notes:        []Note{{ID: "n1", Body: "hi", DateAdded: at}},
		Calls:        []Call{{At: at, Direction: "inbound", Missed: true, NoteID: "n1"}},
		Appointments: []Appointment{{ID: "a1", Title: "Consultation", Start: at, Status: "confirmed"}},
		UpdatedAt:    at,
	})
	require.Equal(t, "lp-1", id)
	require.NoError(t, s.Save())

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the file holds personal data")

	s2, err := OpenStore(path)
	require.NoError(t, err)
	want, _ := s.Get(id)
	got, ok := s2.Get(id)
	require.True(t, ok)
	assert.Equal(t, want, got)
	byContact, ok := s2.ByContactID("c1")
	require.True(t, ok)
	assert.Equal(t, id, byContact.ID)
	byPhone, ok := s2.ByPhone("+15559990100")
	require.True(t, ok)
	assert.Equal(t, id, byPhone.ID)
	// IDs keep counting after a reload, so a new record never takes an old one's ID.
	assert.Equal(t, "lp-2", s2.Put(&Record{Name: "Next"}))

	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temp file may be left behind")
}

// TestStoreSaveIsAtomic reads the file while it is rewritten over and over: with a plain
// truncate-and-write a reader sees a partial file; with temp file + rename it never does.
func TestStoreSaveIsAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp.json")
	s, err := OpenStore(path)
	require.NoError(t, err)
	for i := range 200 {
		s.Put(&Record{ContactID: fmt.Sprintf("c%d", i), Name: "Someone With A Long Name", Email: "someone@example.com"})
	}
	require.NoError(t, s.Save())

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads, bad int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			data, err := os.ReadFile(path)
			if err != nil {
				bad++
				continue
			}
			reads++
			var f storeFile
			if json.Unmarshal(data, &f) != nil || len(f.Records) != 200 {
				bad++
			}
		}
	}()
	for i := range 20 {
		s.Update("lp-1", func(r *Record) bool { r.Name = fmt.Sprintf("Renamed %d", i); return true })
		require.NoError(t, s.Save())
	}
	close(stop)
	wg.Wait()
	require.Positive(t, reads)
	assert.Zero(t, bad, "a reader saw a missing or partial file")
}

func TestStoreSaveFailureLeavesOthersAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lp.json")
	s, err := OpenStore(path)
	require.NoError(t, err)
	s.Put(&Record{Name: "Kept"})
	require.NoError(t, s.Save())
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	// A directory where the file should go makes the final rename fail.
	s2, err := OpenStore(filepath.Join(dir, "sub"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub", "x"), 0o700))
	s2.Put(&Record{Name: "Lost"})
	require.Error(t, s2.Save())

	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "the failed save must remove its temp file") // lp.json and sub/
}

func TestOpenStoreRejectsBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp.json")
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	_, err := OpenStore(path)
	require.ErrorContains(t, err, "is not valid")

	require.NoError(t, os.WriteFile(path, []byte(`{"version":99,"records":[]}`), 0o600))
	_, err = OpenStore(path)
	require.ErrorContains(t, err, "has version 99")
}

func TestStoreUpsertByContactIDAdoptsUnlinkedPhone(t *testing.T) {
	s, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	caller := s.Put(&Record{Phone: "+15559990100", Name: "New Caller"})
	// A ContactCreate for the same number (the caller's upsert) links the existing record
	// instead of making a second one.
	id := s.UpsertByContactID("c9", "+15559990100", func(r *Record) { r.Email = "x@example.com" })
	assert.Equal(t, caller, id)
	r, _ := s.Get(id)
	assert.Equal(t, "c9", r.ContactID)
	assert.Equal(t, "New Caller", r.Name)

	// A record already linked to another contact is not taken over.
	other := s.UpsertByContactID("c10", "+15559990100", func(r *Record) {})
	assert.NotEqual(t, caller, other)
	assert.Equal(t, 2, s.Len())
}

// The checkpoint is saved with the records, only moves forward, and a file written before
// checkpoints existed loads with none.
func TestStoreCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp.json")
	s, err := OpenStore(path)
	require.NoError(t, err)
	assert.True(t, s.Checkpoint().IsZero())
	at := time.Date(2026, 3, 1, 9, 30, 0, 123_000_000, time.UTC)
	s.AdvanceCheckpoint(at)
	s.AdvanceCheckpoint(at.Add(-time.Hour)) // never back
	assert.Equal(t, at, s.Checkpoint())
	require.NoError(t, s.Save())

	s2, err := OpenStore(path)
	require.NoError(t, err)
	assert.Equal(t, at, s2.Checkpoint())

	old := filepath.Join(t.TempDir(), "old.json")
	require.NoError(t, os.WriteFile(old, []byte(`{"version":1,"nextId":2,"records":[{"id":"lp-1","name":"Ada","updatedAt":"2026-01-01T00:00:00Z","syncedAt":"2026-01-01T00:00:00Z","ghlUpdatedAt":"2026-01-01T00:00:00Z"}]}`), 0o600))
	s3, err := OpenStore(old)
	require.NoError(t, err)
	assert.Equal(t, 1, s3.Len())
	assert.True(t, s3.Checkpoint().IsZero(), "the next catch-up reads every contact")
}

// The file lists records by ID, one per line, each as it was last stored, whatever order
// they were stored in, and reads back the same: records are encoded when stored, not at Save.
func TestStoreSavesRecordsInIDOrderAsLastStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp.json")
	s, err := OpenStore(path)
	require.NoError(t, err)
	for _, id := range []string{"lp-10", "lp-9", "lp-2", "lp-11"} {
		s.Put(&Record{ID: id, Name: "first " + id})
	}
	// A record put with its own ID does not move the next ID, so this one goes first.
	require.Equal(t, "lp-1", s.Put(&Record{Name: "new"}))
	require.True(t, s.Update("lp-9", func(r *Record) bool { r.Name = "second lp-9"; return true }))
	require.NoError(t, s.Save())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 7, "a head line, five records, the closing line")
	for i, want := range []string{`{"id":"lp-1","name":"new",`, `,{"id":"lp-2","name":"first lp-2",`,
		`,{"id":"lp-9","name":"second lp-9",`, `,{"id":"lp-10","name":"first lp-10",`, `,{"id":"lp-11","name":"first lp-11",`} {
		assert.True(t, strings.HasPrefix(lines[i+1], want), "line %d: %s", i+1, lines[i+1])
	}
	assert.Equal(t, "]}", lines[6])

	again, err := OpenStore(path)
	require.NoError(t, err)
	assert.Equal(t, s.Records(), again.Records())
	// A store read back writes the same file, its records encoded afresh.
	again.AdvanceCheckpoint(time.Unix(1, 0))
	require.NoError(t, os.Remove(path))
	again.Put(&Record{ID: "lp-2", Name: "first lp-2"})
	require.NoError(t, again.Save())
	reread, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(string(data), `"checkpoint":"0001-01-01T00:00:00Z"`, `"checkpoint":"1970-01-01T00:00:01Z"`, 1), string(reread))
}
