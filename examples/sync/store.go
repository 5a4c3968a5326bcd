package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Record is one contact as LinkedPhone keeps it. How each field is filled from GHL is
// described in the MAPPING section of doc.go.
type Record struct {
	// ID is LinkedPhone's own key; it never changes, even before the contact exists in GHL.
	ID string `json:"id"`
	// ContactID is the GHL contact ID; empty until the record has been pushed to GHL.
	ContactID string   `json:"contactId,omitempty"`
	Name      string   `json:"name,omitempty"`
	Email     string   `json:"email,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	Status    string   `json:"status,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	Tasks     []Task   `json:"tasks,omitempty"`
	Notes     []Note   `json:"notes,omitempty"`
	// Appointments are shown to the person taking the call ("booked for Tuesday 10:00").
	Appointments []Appointment `json:"appointments,omitempty"`
	Calls        []Call        `json:"calls,omitempty"`
	// Texts are the record's text messages: received by LinkedPhone, or sent from GHL and
	// delivered by LinkedPhone as the location's SMS provider.
	Texts []Text `json:"texts,omitempty"`
	// UpdatedAt is when LinkedPhone last changed the record; SyncedAt when it last matched GHL.
	UpdatedAt time.Time `json:"updatedAt"`
	SyncedAt  time.Time `json:"syncedAt"`
	// GHLUpdatedAt is the contact's dateUpdated in GHL as last applied, so a webhook that
	// arrives late (GHL does not promise order) cannot overwrite newer data.
	GHLUpdatedAt time.Time `json:"ghlUpdatedAt"`
}

// Task is a GHL task as LinkedPhone shows it next to the caller.
type Task struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body,omitempty"`
	DueDate   time.Time `json:"dueDate"`
	Completed bool      `json:"completed"`
}

// Note is a note attached to the contact in GHL, such as a call summary.
type Note struct {
	ID        string    `json:"id"`
	Body      string    `json:"body"`
	DateAdded time.Time `json:"dateAdded"`
}

// Appointment is a calendar appointment of the contact in GHL.
type Appointment struct {
	ID     string    `json:"id"`
	Title  string    `json:"title,omitempty"`
	Start  time.Time `json:"start"`
	Status string    `json:"status,omitempty"`
	// UserID is the GHL user the appointment is with (assignedUserId), when known.
	UserID string `json:"userId,omitempty"`
	// Updated is GHL's dateUpdated as last applied, so a late webhook cannot undo a change.
	Updated time.Time `json:"updated"`
}

// Call is one entry of LinkedPhone's call log. How it reaches GHL is in calls.go.
type Call struct {
	// ID is LinkedPhone's call ID; GHL keeps it as the call message's altId.
	ID        string    `json:"id,omitempty"`
	At        time.Time `json:"at"`
	Direction string    `json:"direction"` // "inbound" or "outbound"
	Missed    bool      `json:"missed,omitempty"`
	// Voicemail marks a missed call that went to voicemail (the caller's, or the callee's on
	// an outbound call).
	Voicemail bool `json:"voicemail,omitempty"`
	Seconds   int  `json:"seconds,omitempty"` // how long the call lasted
	// Line is the LinkedPhone number that took or placed the call, in E.164.
	Line    string `json:"line,omitempty"`
	Summary string `json:"summary,omitempty"`
	// Recording is the path of the call's recording (or voicemail), a WAV file, if any.
	Recording string `json:"recording,omitempty"`

	// MessageID is the call's Call message in the contact's GHL conversation (ConversationID),
	// once logged; Logging is set while it is being logged, so a rerun after a crash or an
	// unclear failure looks for the message before logging the call again.
	MessageID      string `json:"messageId,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
	Logging        bool   `json:"logging,omitempty"`
	// RecordingURL is where GHL keeps the uploaded recording, once attached to the message.
	RecordingURL string `json:"recordingUrl,omitempty"`
	// NoteID is the GHL note that carries this call's summary, once pushed.
	NoteID string `json:"noteId,omitempty"`

	// Extension is the LinkedPhone extension that took the call ("" when nobody did).
	Extension string `json:"extension,omitempty"`
	// FollowUp is the call's outcome as the person on the phone set it: the caller is to be
	// called back, so a follow-up is booked (followup.go).
	FollowUp bool `json:"followUp,omitempty"`
	// AppointmentID is the GHL appointment booked as the follow-up, once booked.
	// FollowUpSent marks a booking sent whose answer never came: GHL may have made it, so
	// the next push looks for it before booking again.
	AppointmentID string `json:"appointmentId,omitempty"`
	FollowUpSent  bool   `json:"followUpSent,omitempty"`
}

// Text is one text message of a record. How it reaches GHL, or comes from it, is in texts.go.
type Text struct {
	// ID is LinkedPhone's ID of a text it received; GHL keeps it as the message's altId.
	ID        string    `json:"id,omitempty"`
	At        time.Time `json:"at"`
	Direction string    `json:"direction"` // "inbound" or "outbound"
	Body      string    `json:"body"`
	// MessageID is the text's GHL message: an inbound text's once logged, an outbound text's
	// as GHL handed it to LinkedPhone.
	MessageID string `json:"messageId,omitempty"`
	Logging   bool   `json:"logging,omitempty"` // as Call.Logging
	// Status of a text sent from GHL: "sent" once LinkedPhone's carrier took it, "delivered"
	// once GHL was told.
	Status string `json:"status,omitempty"`
}

// clone returns a deep copy, so callers may change it without holding the store's lock.
func (r *Record) clone() *Record {
	c := *r
	c.Tags = slices.Clone(r.Tags)
	c.Tasks = slices.Clone(r.Tasks)
	c.Notes = slices.Clone(r.Notes)
	c.Calls = slices.Clone(r.Calls)
	c.Texts = slices.Clone(r.Texts)
	c.Appointments = slices.Clone(r.Appointments)
	return &c
}

// Task returns the task with the given GHL ID.
func (r *Record) Task(id string) (*Task, bool) {
	for i := range r.Tasks {
		if r.Tasks[i].ID == id {
			return &r.Tasks[i], true
		}
	}
	return nil, false
}

// storeFile is the on-disk form of the store.
type storeFile struct {
	Version int `json:"version"`
	NextID  int `json:"nextId"`
	// Checkpoint is the newest GHL dateUpdated that an import or a catch-up applied; a file
	// written before checkpoints existed has none, and the next catch-up reads every contact.
	Checkpoint time.Time `json:"checkpoint"`
	Records    []*Record `json:"records"`
}

const storeVersion = 1

// Store is LinkedPhone's contact store: records in memory, persisted to one JSON file. Every
// Save replaces the file atomically (temp file, fsync, rename), so a crash mid-write leaves
// the previous version, never half a file. It is safe for concurrent use: webhook deliveries
// update it while the workflows run.
type Store struct {
	path string

	mu        sync.Mutex
	records   map[string]*Record // by ID
	byContact map[string]string  // GHL contact ID -> ID
	byPhone   map[string]string  // phone -> ID
	nextID    int
	// checkpoint: see storeFile.Checkpoint.
	checkpoint time.Time
	dirty      bool
	// order is the records as Save writes them: by ID, each with its JSON, kept as records
	// are stored. Encoding each record when it is stored spreads the work over an import,
	// which spends most of its time waiting for the rate limit; sorting and encoding 100,000
	// records at the end kept it over a second past its last page.
	order []encodedRecord
}

// OpenStore loads the store at path; a missing file gives an empty store.
func OpenStore(path string) (*Store, error) {
	s := &Store{path: path, records: map[string]*Record{}, byContact: map[string]string{}, byPhone: map[string]string{}, nextID: 1}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading LinkedPhone data file: %w", err)
	}
	var f storeFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("LinkedPhone data file %s is not valid: %w", path, err)
	}
	if f.Version != storeVersion {
		return nil, fmt.Errorf("LinkedPhone data file %s has version %d, want %d", path, f.Version, storeVersion)
	}
	for _, r := range f.Records {
		if r == nil || r.ID == "" {
			continue
		}
		for i, c := range r.Calls {
			// A call recorded before calls had IDs, and not pushed as a note yet, gets one: GHL
			// keeps it as the call's altId.
			if c.ID == "" && c.NoteID == "" {
				r.Calls[i].ID = newLocalID("call-")
				s.dirty = true
			}
		}
		s.records[r.ID] = r
		s.index(r)
	}
	for id := range s.records {
		s.order = append(s.order, encodedRecord{id: id}) // encoded by the first Save
	}
	slices.SortFunc(s.order, func(a, b encodedRecord) int { return compareIDs(a.id, b.id) })
	s.nextID = max(f.NextID, 1)
	s.checkpoint = f.Checkpoint
	return s, nil
}

// Path returns the file the store persists to.
func (s *Store) Path() string { return s.path }

func (s *Store) index(r *Record) {
	if r.ContactID != "" {
		s.byContact[r.ContactID] = r.ID
	}
	if r.Phone != "" {
		s.byPhone[r.Phone] = r.ID
	}
}

func (s *Store) unindex(r *Record) {
	if r.ContactID != "" && s.byContact[r.ContactID] == r.ID {
		delete(s.byContact, r.ContactID)
	}
	if r.Phone != "" && s.byPhone[r.Phone] == r.ID {
		delete(s.byPhone, r.Phone)
	}
}

// Len returns the number of records.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// Get returns a copy of the record with LinkedPhone ID id.
func (s *Store) Get(id string) (*Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok {
		return nil, false
	}
	return r.clone(), true
}

// ByContactID returns a copy of the record linked to a GHL contact.
func (s *Store) ByContactID(contactID string) (*Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byContact[contactID]
	if !ok {
		return nil, false
	}
	return s.records[id].clone(), true
}

// ByPhone returns a copy of the record with the given phone number.
func (s *Store) ByPhone(phone string) (*Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byPhone[phone]
	if !ok {
		return nil, false
	}
	return s.records[id].clone(), true
}

// Records returns copies of all records, ordered by ID.
func (s *Store) Records() []*Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Record, 0, len(s.order))
	for _, e := range s.order {
		out = append(out, s.records[e.id].clone())
	}
	return out
}

// compareIDs orders "lp-9" before "lp-10".
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

// Checkpoint returns the newest GHL dateUpdated that an import or a catch-up applied (zero
// before the first).
func (s *Store) Checkpoint() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkpoint
}

// AdvanceCheckpoint moves the checkpoint to t if t is later; it never moves back.
func (s *Store) AdvanceCheckpoint(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.After(s.checkpoint) {
		s.checkpoint = t
		s.dirty = true
	}
}

// Put stores a copy of r. A record without an ID gets a new one, which Put returns.
func (s *Store) Put(r *Record) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putLocked(r.clone())
}

func (s *Store) putLocked(r *Record) string {
	if r.ID == "" {
		r.ID = "lp-" + strconv.Itoa(s.nextID)
		s.nextID++
	}
	if old, ok := s.records[r.ID]; ok {
		s.unindex(old)
	}
	s.records[r.ID] = r
	s.index(r)
	s.dirty = true
	// An encoding that fails here is left to Save, which reports it.
	data, _ := json.Marshal(r)
	e := encodedRecord{id: r.ID, json: data}
	if n := len(s.order); n == 0 || compareIDs(s.order[n-1].id, r.ID) < 0 {
		s.order = append(s.order, e) // a new record: IDs grow
	} else if i, found := slices.BinarySearchFunc(s.order, r.ID, compareEncodedID); found {
		s.order[i] = e
	} else {
		s.order = slices.Insert(s.order, i, e)
	}
	return r.ID
}

// Update applies fn to the record with LinkedPhone ID id under the store's lock; fn reports
// whether it changed anything. It returns false if there is no such record.
func (s *Store) Update(id string, fn func(*Record) bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok {
		return false
	}
	c := r.clone()
	if fn(c) {
		s.putLocked(c)
	}
	return true
}

// UpsertByContactID applies fn to the record linked to contactID, creating an empty one
// first if there is none (or adopting the record with the same phone that is not yet linked).
// It returns the record's ID.
func (s *Store) UpsertByContactID(contactID, phone string, fn func(*Record)) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r *Record
	if id, ok := s.byContact[contactID]; ok {
		r = s.records[id].clone()
	} else if id, ok := s.byPhone[phone]; ok && phone != "" && s.records[id].ContactID == "" {
		r = s.records[id].clone()
	} else {
		r = &Record{}
	}
	r.ContactID = contactID
	fn(r)
	return s.putLocked(r)
}

// Save writes the store to its file if anything changed since the last Save.
func (s *Store) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return nil
	}
	if err := writeFileAtomic(s.path, 0o600, s.encodeLocked); err != nil {
		return err
	}
	s.dirty = false
	return nil
}

// encodeLocked writes the store with one record per line, ordered by ID, from the records'
// encodings made as they were stored.
func (s *Store) encodeLocked(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	head, err := json.Marshal(storeFile{Version: storeVersion, NextID: s.nextID, Checkpoint: s.checkpoint})
	if err != nil {
		return err
	}
	// head ends in "records":null}; the records follow in its place.
	bw.Write(head[:len(head)-len("null}")])
	bw.WriteString("[\n")
	for i := range s.order {
		e := &s.order[i]
		if e.json == nil {
			data, err := json.Marshal(s.records[e.id])
			if err != nil {
				return err
			}
			e.json = data
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(e.json)
		bw.WriteByte('\n')
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// encodedRecord is a record's ID and its JSON (nil until encoded).
type encodedRecord struct {
	id   string
	json []byte
}

func compareEncodedID(e encodedRecord, id string) int { return compareIDs(e.id, id) }

// writeFileAtomic replaces path with what write writes: it writes a temp file in the same directory (so
// the rename stays on one file system), syncs it, and renames it over path. Readers see the
// old file or the new one, never a partial write. The file holds people's names and numbers,
// so it is created readable by its owner only.
func writeFileAtomic(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving LinkedPhone data: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("saving LinkedPhone data: %w", err)
	}
	if err = write(tmp); err != nil {
		return fmt.Errorf("saving LinkedPhone data: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("saving LinkedPhone data: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("saving LinkedPhone data: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving LinkedPhone data: %w", err)
	}
	// Make the rename itself durable; not every platform can sync a directory, so a failure
	// here is not an error.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
