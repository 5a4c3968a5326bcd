package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// Syncer runs the sync workflows between one GHL location and LinkedPhone's store.
// Its methods are safe for concurrent use: webhook events are handled while workflows run.
type Syncer struct {
	client *ghl.Client
	store  *Store
	log    *slog.Logger
	// write allows changes in GHL. Without it, the workflows that would write say what they
	// would send and change only LinkedPhone's side.
	write bool
	now   func() time.Time
	// report receives one line per thing a webhook event or a catch-up made the sync do.
	report func(format string, args ...any)
	// margin is how far before the checkpoint a catch-up starts reading (see CatchUp).
	margin time.Duration
	// region is the location's country, by which phone numbers without a country code are
	// read (defaultRegion unless set before the Syncer is used).
	region string
	// callProvider is the Call conversation provider of LinkedPhone's marketplace app, whose
	// OAuth token the client must use; "" leaves calls out of GHL's conversations (calls.go).
	callProvider string
	// linkMu serializes linking new contacts, so a ContactCreate webhook and a catch-up that
	// meet the same contact create one follow-up task, not two.
	linkMu sync.Mutex
	// fields: LinkedPhone's custom fields on contacts (fields.go); booking: follow-ups
	// booked for calls (followup.go).
	fields  fieldState
	booking bookingState

	mu        sync.Mutex
	processed map[string]int    // webhookId -> times processed
	counts    map[string]int    // event type -> events processed
	lastHook  map[string]string // "type:object ID" -> webhookId of the last such event
}

// NewSyncer returns a Syncer. report may be nil.
func NewSyncer(client *ghl.Client, store *Store, log *slog.Logger, write bool, report func(string, ...any)) *Syncer {
	if report == nil {
		report = func(string, ...any) {}
	}
	return &Syncer{client: client, store: store, log: log, write: write, now: time.Now, report: report, margin: catchUpMargin,
		region: defaultRegion, processed: map[string]int{}, counts: map[string]int{}, lastHook: map[string]string{}}
}

// Workflow 5: initial import.

// Import streams every contact of the location into the store with SearchAll and reports
// progress. It returns how many contacts it imported. The walk is in dateUpdated order, so a
// contact changed while it runs is read again at its end; the newest dateUpdated read is
// then a safe checkpoint for the next catch-up.
func (s *Syncer) Import(ctx context.Context, progress *Progress) (int, error) {
	byUpdate := []ghl.SearchSort{{Field: "dateUpdated", Direction: ghl.SortAsc}}
	// One extra one-contact search tells the total for the progress line; SearchAll itself
	// only yields contacts. It asks for the walk's order, so a search index that has to build
	// that order builds it once.
	first, _, err := s.client.Contacts.Search(ctx, &ghl.SearchRequest{PageLimit: 1, Sort: byUpdate})
	if err != nil {
		return 0, fmt.Errorf("import: counting contacts: %w", err)
	}
	progress.SetTotal(first.Total)
	n := 0
	var newest time.Time
	req := &ghl.SearchRequest{PageLimit: ghl.MaxSearchPageLimit, Sort: byUpdate}
	for c, err := range s.client.Contacts.SearchAll(ctx, req) {
		if err != nil {
			progress.Done()
			// What was read so far is kept: a rerun updates the same records. The checkpoint
			// waits for a complete walk.
			return n, errors.Join(fmt.Errorf("import: after %d contacts: %w", n, err), s.store.Save())
		}
		if t := timeOf(c.DateUpdated); t.After(newest) {
			newest = t
		}
		s.store.UpsertByContactID(c.ID, s.phoneFromGHL(c.ID, c.Phone), func(r *Record) {
			applyContact(r, c, s.region)
			r.SyncedAt = s.now()
			if r.UpdatedAt.IsZero() {
				r.UpdatedAt = r.SyncedAt
			}
		})
		n++
		progress.Add(1)
	}
	progress.Done()
	s.store.AdvanceCheckpoint(newest)
	return n, s.store.Save()
}

// Workflow 1: a contact is requested or updated in LinkedPhone.

// RefreshContact fetches the record's contact, tasks, notes and appointments from GHL and
// updates the record.
func (s *Syncer) RefreshContact(ctx context.Context, id string) (*Record, error) {
	rec, ok := s.store.Get(id)
	if !ok {
		return nil, fmt.Errorf("refresh: no LinkedPhone record %s", id)
	}
	if rec.ContactID == "" {
		return nil, fmt.Errorf("refresh: record %s is not linked to a GHL contact yet; push it first", id)
	}
	c, _, err := s.client.Contacts.Get(ctx, rec.ContactID)
	if err != nil {
		return nil, fmt.Errorf("refresh %s: fetching contact: %w", id, err)
	}
	tasks, _, err := s.client.Tasks.List(ctx, rec.ContactID)
	if err != nil {
		return nil, fmt.Errorf("refresh %s: fetching tasks: %w", id, err)
	}
	notes, _, err := s.client.Notes.List(ctx, rec.ContactID)
	if err != nil {
		return nil, fmt.Errorf("refresh %s: fetching notes: %w", id, err)
	}
	appts, _, err := s.client.Appointments.List(ctx, rec.ContactID)
	if err != nil {
		return nil, fmt.Errorf("refresh %s: fetching appointments: %w", id, err)
	}
	s.store.Update(id, func(r *Record) bool {
		applyContact(r, c, s.region)
		r.Tasks = mapTasks(tasks)
		r.Notes = mapNotes(notes)
		r.Appointments = mapAppointments(appts)
		r.SyncedAt = s.now()
		return true
	})
	if err := s.store.Save(); err != nil {
		return nil, err
	}
	rec, _ = s.store.Get(id)
	return rec, nil
}

// Workflow 2: a new or changed LinkedPhone contact.

// PushResult says what PushContact did in GHL.
type PushResult struct {
	ContactID string
	New       bool // the upsert created the contact
	// Calls were logged as Call messages, with Recordings attached; CallsSkipped were not,
	// for want of a call provider.
	Calls, Recordings, CallsSkipped int
	Texts                           int      // received texts added to the conversation
	Notes                           int      // call summaries added as notes
	Tags                            []string // tags added
	Record                          *Record  // the record afterwards
	DryRun                          bool     // nothing was sent (read-only mode)
	// Fields are LinkedPhone's custom fields sent with the upsert, by key (fields.go), and
	// FollowUps the follow-ups booked for its calls (followup.go).
	Fields    []ghl.CustomFieldInput
	FollowUps []FollowUp
}

// PushContact upserts the record in GHL (matched by email, then phone; a record not linked
// yet is first looked up with FindDuplicate), adds the tags its new calls imply, logs those
// calls in the contact's conversation with their recordings (calls.go), adds each call's
// summary as a note, and adds the texts it received (texts.go). A failure part-way leaves the
// record consistent: a rerun repeats only what is missing (the upsert matches the same
// contact, tags are added again to no effect, and what was logged is remembered by ID). The
// upsert carries LinkedPhone's fields by key (fields.go), and the follow-ups the calls ask
// for are booked last (followup.go; each remembered by its appointment ID), once the calls
// they follow are in the conversation.
func (s *Syncer) PushContact(ctx context.Context, id string) (*PushResult, error) {
	rec, ok := s.store.Get(id)
	if !ok {
		return nil, fmt.Errorf("push: no LinkedPhone record %s", id)
	}
	if rec.Email == "" && rec.Phone == "" {
		return nil, fmt.Errorf("push %s: the record has neither email nor phone, so GHL could not match it", id)
	}
	// A number that does not normalize is not sent: GHL would refuse the upsert (422), and a
	// lookup by it could match the wrong contact.
	phone, err := e164(rec.Phone, s.region)
	if err != nil {
		return nil, fmt.Errorf("push %s: phone number: %w", id, err)
	}
	calls, notes := unsyncedCalls(rec)
	tags := activityTags(calls)
	if !s.write {
		return &PushResult{ContactID: rec.ContactID, Calls: len(calls), Texts: len(unloggedTexts(rec)), Notes: len(notes),
			Tags: tags, Record: rec, DryRun: true, Fields: s.fieldInputs(rec)}, nil
	}

	// A record not linked yet may still match a contact GHL has (same email or phone); ask,
	// so the upsert only marks contacts it creates as coming from LinkedPhone.
	newContact := false
	if rec.ContactID == "" {
		dup, _, err := s.client.Contacts.FindDuplicate(ctx, &ghl.DuplicateOptions{Number: phone, Email: rec.Email})
		if err != nil {
			return nil, fmt.Errorf("push %s: looking for the contact in GHL: %w", id, err)
		}
		newContact = dup == nil
	}
	req := upsertRequest(rec, phone, newContact)
	req.CustomFields = s.fieldInputs(rec)
	up, _, err := s.client.Contacts.Upsert(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("push %s: upsert: %w", id, err)
	}
	s.countFields(len(req.CustomFields))
	cid := up.Contact.ID
	res := &PushResult{ContactID: cid, New: up.New, Fields: req.CustomFields}
	s.store.Update(id, func(r *Record) bool {
		r.ContactID = cid
		applyContact(r, up.Contact, s.region)
		return true
	})
	if err := s.store.Save(); err != nil {
		return nil, err
	}

	if len(tags) > 0 {
		// Tags.Add keeps the tags the contact already has; sending tags in the upsert would
		// replace them.
		all, _, err := s.client.Tags.Add(ctx, cid, tags)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("push %s: adding tags: %w", id, err), s.store.Save())
		}
		res.Tags = tags
		s.store.Update(id, func(r *Record) bool {
			if all != nil {
				r.Tags = normalizeTags(all)
			} else {
				r.Tags = normalizeTags(append(r.Tags, tags...))
			}
			return true
		})
	}
	if err := s.pushActivity(ctx, id, cid, phone, notes, res); err != nil {
		return nil, errors.Join(fmt.Errorf("push %s: %w", id, err), s.store.Save())
	}
	if res.FollowUps, err = s.bookFollowUps(ctx, id, cid); err != nil {
		return nil, errors.Join(fmt.Errorf("push %s: %w", id, err), s.store.Save())
	}
	s.store.Update(id, func(r *Record) bool { r.SyncedAt = s.now(); return true })
	if err := s.store.Save(); err != nil {
		return nil, err
	}
	res.Record, _ = s.store.Get(id)
	return res, nil
}

// RecordCall adds a call to LinkedPhone's log, creating the record for a new caller (keyed by
// the phone number in E.164). It changes nothing in GHL; PushContact does. A number that does
// not normalize is refused: no record is keyed by it.
func (s *Syncer) RecordCall(phone, name, email string, call Call) (string, error) {
	phone, err := e164(phone, s.region)
	if err != nil {
		return "", fmt.Errorf("record call: %w", err)
	}
	if phone == "" {
		return "", errors.New("record call: no phone number")
	}
	now := s.now()
	if call.ID == "" {
		call.ID = newLocalID("call-")
	}
	var id string
	if rec, ok := s.store.ByPhone(phone); ok {
		id = rec.ID
		s.store.Update(id, func(r *Record) bool {
			r.Calls = append(r.Calls, call)
			if r.Name == "" {
				r.Name = name
			}
			if r.Email == "" {
				r.Email = email
			}
			r.UpdatedAt = now
			return true
		})
	} else {
		id = s.store.Put(&Record{Name: name, Email: email, Phone: phone, Status: StatusLead, Calls: []Call{call}, UpdatedAt: now})
	}
	return id, s.store.Save()
}

// Workflow 3, LinkedPhone side: a task done in LinkedPhone.

// CompleteTask marks the task done in LinkedPhone and completed in GHL
// (PUT /contacts/{contactId}/tasks/{taskId}/completed). It reports whether GHL was changed.
func (s *Syncer) CompleteTask(ctx context.Context, id, taskID string) (bool, error) {
	var contactID string
	found := false
	ok := s.store.Update(id, func(r *Record) bool {
		contactID = r.ContactID
		if t, ok := r.Task(taskID); ok {
			found = true
			t.Completed = true
			r.UpdatedAt = s.now()
			return true
		}
		return false
	})
	switch {
	case !ok:
		return false, fmt.Errorf("complete task: no LinkedPhone record %s", id)
	case !found:
		return false, fmt.Errorf("complete task: record %s has no task %s", id, taskID)
	}
	if err := s.store.Save(); err != nil {
		return false, err
	}
	if !s.write {
		return false, nil
	}
	if _, _, err := s.client.Tasks.SetCompleted(ctx, contactID, taskID, true); err != nil {
		return false, fmt.Errorf("complete task %s in GHL: %w", taskID, err)
	}
	return true, nil
}

// Webhook events: workflow 3 (GHL side) and workflow 4.

// followUpDelay is when the follow-up task for a new contact is due.
const followUpDelay = 24 * time.Hour

// HandleEvent applies one verified webhook event. It must be idempotent in effect: the
// Handler deduplicates deliveries by webhookId, but an event whose processing failed half-way
// is delivered again. An error makes the Handler answer 429, so GHL redelivers.
func (s *Syncer) HandleEvent(ctx context.Context, ev ghl.Event) error {
	// An app receives the events of every location that installed it; this sync serves one.
	if loc := ev.EventLocationID(); loc != "" && loc != s.client.LocationID() {
		s.log.Debug("webhook for another location ignored", "type", ev.EventType(), "location", loc)
		return nil
	}
	var err error
	var objectID string
	switch ev := ev.(type) {
	case *ghl.ContactCreateEvent:
		objectID = ev.ID
		err = s.onContactCreate(ctx, &ev.ContactPayload)
	case *ghl.ContactUpdateEvent:
		objectID = ev.ID
		s.onContactChange(&ev.ContactPayload)
	case *ghl.ContactTagUpdateEvent:
		objectID = ev.ID
		s.onContactChange(&ev.ContactPayload)
	case *ghl.ContactDndUpdateEvent:
		objectID = ev.ID
		s.onContactChange(&ev.ContactPayload)
	case *ghl.ContactDeleteEvent:
		objectID = ev.ID
		s.onContactDelete(&ev.ContactPayload)
	case *ghl.TaskCreateEvent:
		objectID = ev.ID
		s.onTask(&ev.TaskPayload, false)
	case *ghl.TaskCompleteEvent:
		objectID = ev.ID
		s.onTaskComplete(&ev.TaskPayload)
	case *ghl.TaskDeleteEvent:
		objectID = ev.ID
		s.onTaskDelete(&ev.TaskPayload)
	case *ghl.NoteCreateEvent:
		objectID = ev.ID
		s.onNote(&ev.NotePayload)
	case *ghl.InboundMessageEvent, *ghl.OutboundMessageEvent:
		// The calls and texts LinkedPhone logged, coming back, and GHL's own: LinkedPhone's
		// call log is its own (calls.go), so nothing changes and nothing is saved.
		return nil
	case *ghl.AppointmentCreateEvent:
		s.onAppointment(ghl.EventAppointmentCreate, &ev.AppointmentPayload)
	case *ghl.AppointmentUpdateEvent:
		s.onAppointment(ghl.EventAppointmentUpdate, &ev.AppointmentPayload)
	case *ghl.AppointmentDeleteEvent:
		s.onAppointment(ghl.EventAppointmentDelete, &ev.AppointmentPayload)
	default:
		// Other events (app lifecycle, types this SDK does not know) are not part of this
		// sync; acknowledging them stops GHL from redelivering.
		s.log.Debug("webhook ignored", "type", ev.EventType())
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.processed[ev.EventWebhookID()]++
	s.counts[ev.EventType()]++
	if objectID != "" {
		s.lastHook[ev.EventType()+":"+objectID] = ev.EventWebhookID()
	}
	s.mu.Unlock()
	return s.store.Save()
}

// TimesProcessed returns how often the event with the given webhookId was processed.
func (s *Syncer) TimesProcessed(webhookID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.processed[webhookID]
}

// WebhookIDFor returns the webhookId of the last processed event of the given type about
// the given object (contact or task ID).
func (s *Syncer) WebhookIDFor(eventType, objectID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastHook[eventType+":"+objectID]
}

// EventCounts returns how many events of each type were processed.
func (s *Syncer) EventCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// onContactCreate links (or creates) the LinkedPhone record and creates a follow-up task in
// GHL, unless the record already has one (a redelivery after a failure part-way).
func (s *Syncer) onContactCreate(ctx context.Context, ev *ghl.ContactPayload) error {
	if ev.ID == "" {
		return nil
	}
	_, err := s.linkNewContact(ctx, "webhook: ContactCreate", ev.ID, displayName(ev.Name, ev.Phone), s.phoneFromGHL(ev.ID, ev.Phone), func(r *Record) {
		if !staleEvent(r, ev) {
			applyContactEvent(r, ev, s.region)
		}
	})
	return err
}

// linkNewContact links (or creates) the record of a contact new in GHL, with apply filling
// it, and creates the contact's follow-up task in GHL unless the record already has one. It
// reports whether it created the task. what names the cause in report lines.
func (s *Syncer) linkNewContact(ctx context.Context, what, contactID, name, phone string, apply func(*Record)) (bool, error) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	var title string
	var hasFollowUp bool
	id := s.store.UpsertByContactID(contactID, phone, func(r *Record) {
		apply(r)
		if r.UpdatedAt.IsZero() {
			r.UpdatedAt = s.now()
		}
		title = followUpTitle(r.Name)
		hasFollowUp = slices.ContainsFunc(r.Tasks, func(t Task) bool { return t.Title == title })
	})
	if err := s.store.Save(); err != nil {
		return false, err
	}
	if hasFollowUp {
		return false, nil
	}
	if !s.write {
		s.report("%s %s (%s): would create task %q (read-only)", what, contactID, name, title)
		return false, nil
	}
	due := s.now().Add(followUpDelay).UTC().Truncate(time.Minute)
	task, _, err := s.client.Tasks.Create(ctx, contactID, &ghl.TaskCreateRequest{
		Title: title, Body: "New contact in GHL: call them back within a day.", DueDate: ghl.Time{Time: due},
	})
	if err != nil {
		return false, fmt.Errorf("%s %s: creating follow-up task: %w", what, contactID, err)
	}
	s.store.Update(id, func(r *Record) bool { addOrReplaceTask(r, mapTask(task)); return true })
	s.report("%s %s (%s) -> %s, follow-up task %s %q due %s", what, contactID, name, id, task.ID, task.Title, due.Format(time.RFC3339))
	return true, nil
}

// onContactChange updates a linked record; contacts LinkedPhone does not hold are ignored
// (the import or a ContactCreate brings them in), and so are events older than the record.
func (s *Syncer) onContactChange(ev *ghl.ContactPayload) {
	if rec, ok := s.store.ByContactID(ev.ID); ok {
		s.store.Update(rec.ID, func(r *Record) bool {
			if staleEvent(r, ev) {
				s.log.Debug("stale contact event ignored", "contact", ev.ID, "webhook_id", ev.WebhookID)
				return false
			}
			applyContactEvent(r, ev, s.region)
			r.SyncedAt = s.now()
			return true
		})
	}
}

// onContactDelete unlinks the record; LinkedPhone keeps its call log.
func (s *Syncer) onContactDelete(ev *ghl.ContactPayload) {
	if rec, ok := s.store.ByContactID(ev.ID); ok {
		s.store.Update(rec.ID, func(r *Record) bool { r.ContactID = ""; r.Tasks = nil; r.Notes = nil; return true })
	}
}

func (s *Syncer) onTask(ev *ghl.TaskPayload, completed bool) (string, bool) {
	rec, ok := s.store.ByContactID(ev.ContactID)
	if !ok || ev.ID == "" {
		return "", false
	}
	var was bool
	s.store.Update(rec.ID, func(r *Record) bool {
		if t, ok := r.Task(ev.ID); ok {
			was = t.Completed
			t.Completed = t.Completed || completed
			return true
		}
		addOrReplaceTask(r, Task{ID: ev.ID, Title: ev.Title, Body: ev.Body, DueDate: ev.DueDate.Time, Completed: completed})
		return true
	})
	return rec.ID, !was
}

// onTaskComplete marks the task done in LinkedPhone (workflow 3, GHL side).
func (s *Syncer) onTaskComplete(ev *ghl.TaskPayload) {
	id, changed := s.onTask(ev, true)
	switch {
	case id == "":
		s.report("webhook: TaskComplete %s: contact %s is not in LinkedPhone, ignored", ev.ID, ev.ContactID)
	case changed:
		s.report("webhook: TaskComplete %s %q -> %s task marked completed", ev.ID, ev.Title, id)
	default:
		s.report("webhook: TaskComplete %s %q -> %s already completed (done in LinkedPhone)", ev.ID, ev.Title, id)
	}
}

func (s *Syncer) onTaskDelete(ev *ghl.TaskPayload) {
	if rec, ok := s.store.ByContactID(ev.ContactID); ok {
		s.store.Update(rec.ID, func(r *Record) bool {
			r.Tasks = slices.DeleteFunc(r.Tasks, func(t Task) bool { return t.ID == ev.ID })
			return true
		})
	}
}

func (s *Syncer) onNote(ev *ghl.NotePayload) {
	if rec, ok := s.store.ByContactID(ev.ContactID); ok && ev.ID != "" {
		s.store.Update(rec.ID, func(r *Record) bool {
			if slices.ContainsFunc(r.Notes, func(n Note) bool { return n.ID == ev.ID }) {
				return false
			}
			r.Notes = append([]Note{{ID: ev.ID, Body: ev.Body, DateAdded: ev.DateAdded.Time}}, r.Notes...)
			return true
		})
	}
}

func addOrReplaceTask(r *Record, t Task) {
	for i := range r.Tasks {
		if r.Tasks[i].ID == t.ID {
			r.Tasks[i] = t
			return
		}
	}
	r.Tasks = append(r.Tasks, t)
}

// phoneFromGHL returns the number of a GHL contact (from the API or a webhook) in E.164, or
// "" when it has none or it does not normalize; such a number is left out of the record and
// its key, and logged without the number.
func (s *Syncer) phoneFromGHL(contactID, phone string) string {
	n, err := e164(phone, s.region)
	if err != nil {
		s.log.Warn("phone number of a GHL contact left out", "contact", contactID, "error", err)
		return ""
	}
	return n
}

func displayName(name, phone string) string {
	if name != "" {
		return name
	}
	if phone != "" {
		return phone
	}
	return "no name"
}
