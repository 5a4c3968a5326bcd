package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// Calls in the contact's GHL conversation. Each LinkedPhone call becomes a Call message, by
// direction (LogCall picks GHL's inbound or outbound endpoint), with its outcome as GHL's call
// status, LinkedPhone's call ID as altId, the call's time, and its recording uploaded to GHL
// and attached afterwards. GHL takes call logs only from a marketplace app with a Call
// conversation provider, over the app's OAuth token: a Private Integration Token is refused
// for a provider ID (highlevel-api-docs#106/#107). Without a provider (Syncer.callProvider ""),
// calls are not logged.
//
// GHL keeps no duration for a logged call (it declined to add one, highlevel-api-docs#284):
// the duration stays in LinkedPhone and in the recording, and a call's summary, typed by the
// person who took it, goes to a note.

// maxUploadBytes is GHL's limit for a file uploaded to a conversation other than WhatsApp's.
const maxUploadBytes = 5 << 20

// newLocalID returns a random ID for a LinkedPhone call or text.
func newLocalID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// callStatus is GHL's call status for a LinkedPhone call: an answered call completed, a missed
// one that reached voicemail voicemail, another missed one no-answer.
func callStatus(c Call) ghl.CallStatus {
	switch {
	case !c.Missed:
		return ghl.CallCompleted
	case c.Voicemail:
		return ghl.CallVoicemail
	}
	return ghl.CallNoAnswer
}

// callLog is the LogCall request for a call with the record's number: the caller's number
// is From on an inbound call and To on an outbound one.
func callLog(c Call, contactID, phone, provider string) *ghl.CallLogRequest {
	req := &ghl.CallLogRequest{
		Direction: ghl.DirectionInbound, ContactID: contactID, ConversationProviderID: provider,
		Call: ghl.CallData{From: phone, To: c.Line, Status: callStatus(c)}, AltID: c.ID, Date: c.At,
	}
	if c.Direction == "outbound" {
		req.Direction = ghl.DirectionOutbound
		req.Call.From, req.Call.To = c.Line, phone
	}
	return req
}

// callsResult counts what logCalls did.
type callsResult struct {
	logged, recordings, skipped int
}

// logCalls logs the record's calls that are not in its GHL conversation yet, and attaches
// the recordings not attached yet. The calls about to be logged are marked (and saved) first,
// so after a crash or an unclear failure the next run looks for them in GHL before logging
// them again; what succeeded is saved at the end, or when a step fails.
func (s *Syncer) logCalls(ctx context.Context, id, contactID, phone string) (res callsResult, err error) {
	rec, ok := s.store.Get(id)
	if !ok {
		return res, fmt.Errorf("no LinkedPhone record %s", id)
	}
	var todo []Call
	for _, c := range rec.Calls {
		if legacyCall(c) || (c.MessageID != "" && (c.Recording == "" || c.RecordingURL != "")) {
			continue
		}
		if s.callProvider == "" {
			res.skipped++
			continue
		}
		todo = append(todo, c)
	}
	if len(todo) == 0 {
		return res, nil
	}
	if err := s.markLogging(id, todo); err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, s.store.Save()) }()
	for _, c := range todo {
		if c.MessageID == "" {
			if c.MessageID, c.ConversationID, err = s.logCall(ctx, id, contactID, phone, c); err != nil {
				return res, fmt.Errorf("logging call %s: %w", c.ID, err)
			}
			res.logged++
		}
		if c.Recording != "" {
			url, err := s.attachRecording(ctx, id, contactID, c)
			if err != nil {
				return res, fmt.Errorf("attaching the recording of call %s: %w", c.ID, err)
			}
			if url != "" {
				res.recordings++
			}
		}
	}
	return res, nil
}

// markLogging marks the calls not logged yet as being logged, and saves the mark.
func (s *Syncer) markLogging(id string, calls []Call) error {
	s.store.Update(id, func(r *Record) bool {
		for _, c := range calls {
			if c.MessageID == "" {
				setCallIn(r, c.ID, func(k *Call) { k.Logging = true })
			}
		}
		return true
	})
	return s.store.Save()
}

// legacyCall reports a call pushed as a note by an earlier version of this sync: it is in
// GHL already.
func legacyCall(c Call) bool { return c.ID == "" && c.NoteID != "" }

// logCall logs one call and records its message and conversation IDs. A call marked as being
// logged before this run (Logging) is first looked for in GHL by its altId.
func (s *Syncer) logCall(ctx context.Context, id, contactID, phone string, c Call) (msgID, convID string, err error) {
	if c.Logging {
		found, err := s.findLogged(ctx, contactID, ghl.ChannelCall, c.ID, c.At)
		if err != nil {
			return "", "", err
		}
		if found != nil {
			s.setCall(id, c.ID, func(k *Call) { k.MessageID, k.ConversationID, k.Logging = found.ID, found.ConversationID, false })
			return found.ID, found.ConversationID, nil
		}
	}
	res, _, err := s.client.Conversations.LogCall(ctx, callLog(c, contactID, phone, s.callProvider))
	if err != nil {
		if refused(err) {
			s.setCall(id, c.ID, func(k *Call) { k.Logging = false })
		}
		return "", "", err
	}
	s.setCall(id, c.ID, func(k *Call) { k.MessageID, k.ConversationID, k.Logging = res.MessageID, res.ConversationID, false })
	return res.MessageID, res.ConversationID, nil
}

// refused reports an answer that says GHL stored nothing: a 4xx, or a provider problem other
// than GHL's silent 2xx. After a 5xx or a lost connection the call may have been stored.
func refused(err error) bool {
	var pe *ghl.ConversationProviderError
	if errors.As(err, &pe) {
		return pe.Problem != ghl.ProviderNotStored && pe.StatusCode < 500
	}
	var ae *ghl.APIError
	return errors.As(err, &ae) && ae.StatusCode >= 400 && ae.StatusCode < 500
}

// findLogged looks in the contact's conversation for the message with a LinkedPhone ID as its
// altId, logged around at; nil if there is none.
func (s *Syncer) findLogged(ctx context.Context, contactID string, channel ghl.Channel, altID string, at time.Time) (*ghl.Message, error) {
	opts := &ghl.MessageExportOptions{ContactID: contactID, Channel: channel,
		StartDate: at.Add(-time.Minute), EndDate: at.Add(time.Minute)}
	for m, err := range s.client.Conversations.ExportMessages(ctx, opts) {
		if err != nil {
			return nil, fmt.Errorf("looking for a message logged before: %w", err)
		}
		if m.AltID == altID {
			return m, nil
		}
	}
	return nil, nil
}

// attachRecording uploads the call's recording to the contact's conversation and attaches it
// to the call's message. It returns the URL GHL keeps it at, or "" when the file is over
// GHL's upload limit (logged; the recording stays in LinkedPhone).
func (s *Syncer) attachRecording(ctx context.Context, id, contactID string, c Call) (string, error) {
	f, err := os.Open(c.Recording)
	if errors.Is(err, fs.ErrNotExist) {
		// LinkedPhone lost the file; the call stays logged without it.
		s.log.Warn("recording missing; not attached", "call", c.ID)
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if info.Size() > maxUploadBytes {
		s.log.Warn("recording over GHL's upload limit; not attached", "call", c.ID, "bytes", info.Size())
		return "", nil
	}
	name := c.ID + filepath.Ext(c.Recording)
	up, _, err := s.client.Conversations.Upload(ctx, &ghl.UploadRequest{ConversationID: c.ConversationID, ContactID: contactID,
		Files: []ghl.UploadFile{{Name: name, Content: f}}})
	if err != nil {
		return "", err
	}
	url := up.UploadedFiles[name]
	if url == "" {
		return "", fmt.Errorf("GHL's upload answer names no URL for %s", name)
	}
	if _, err := s.client.Conversations.SetAttachments(ctx, c.MessageID, []string{url}); err != nil {
		return "", err
	}
	s.setCall(id, c.ID, func(k *Call) { k.RecordingURL = url })
	return url, nil
}

// setCall changes the record's call with LinkedPhone ID callID.
func (s *Syncer) setCall(id, callID string, fn func(*Call)) {
	s.store.Update(id, func(r *Record) bool { return setCallIn(r, callID, fn) })
}

func setCallIn(r *Record, callID string, fn func(*Call)) bool {
	for i := range r.Calls {
		if r.Calls[i].ID == callID {
			fn(&r.Calls[i])
			return true
		}
	}
	return false
}

// pushActivity sends what the record holds that the contact's GHL conversation lacks: its
// calls and their recordings, the calls' summaries as notes, and the texts it received.
func (s *Syncer) pushActivity(ctx context.Context, id, contactID, phone string, notes []Call, res *PushResult) error {
	calls, err := s.logCalls(ctx, id, contactID, phone)
	res.Calls, res.Recordings, res.CallsSkipped = calls.logged, calls.recordings, calls.skipped
	if err != nil {
		return err
	}
	for _, c := range notes {
		note, _, err := s.client.Notes.Create(ctx, contactID, &ghl.NoteCreateRequest{Body: callSummary(c)})
		if err != nil {
			return fmt.Errorf("adding the summary of call %s: %w", c.ID, err)
		}
		res.Notes++
		s.store.Update(id, func(r *Record) bool {
			setCallIn(r, c.ID, func(k *Call) { k.NoteID = note.ID })
			if !slices.ContainsFunc(r.Notes, func(n Note) bool { return n.ID == note.ID }) {
				r.Notes = append([]Note{{ID: note.ID, Body: note.Body, DateAdded: timeOf(note.DateAdded)}}, r.Notes...)
			}
			return true
		})
	}
	res.Texts, err = s.logTexts(ctx, id, contactID)
	return err
}
