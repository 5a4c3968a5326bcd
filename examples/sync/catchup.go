package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Workflow 6: catching up after the receiver was down.

// catchUpMargin is how far before the checkpoint a catch-up starts reading: GHL's search
// shows a write only after a few seconds, so contacts changed in the last moments before the
// previous walk may have been missing from it. Contacts in the margin are read again and
// found unchanged.
const catchUpMargin = 2 * time.Minute

// CatchUpResult says what CatchUp did.
type CatchUpResult struct {
	Since      time.Time // where the walk started: the checkpoint minus the margin (zero: every contact)
	Read       int       // contacts read
	Created    int       // contacts created in GHL in the meantime (missed ContactCreate)
	Updated    int       // linked records whose contact had changed (missed ContactUpdate and the like)
	Checkpoint time.Time // the checkpoint afterwards
}

// CatchUp applies the contact changes GHL made since the store's checkpoint, as the contact
// webhooks would have: GHL gives up on a webhook after about 70 minutes, so a receiver that
// was down longer has lost those events, and this is the way back. A contact created in the
// meantime is linked and gets its follow-up task (what ContactCreate does); a linked contact
// that changed is updated (ContactUpdate, ContactTagUpdate, ContactDndUpdate); other contacts
// are left alone, as those webhooks leave them. Without a checkpoint (no import yet) it
// imports every contact instead. Applying is idempotent, so contacts read twice (the margin,
// or a rerun after a failure part-way) change nothing.
//
// When the walk completes, the checkpoint moves to the newest dateUpdated applied. A catch-up
// that fails part-way keeps what it applied but not a new checkpoint: the next one starts
// from the old checkpoint again, since a contact created meanwhile is recognised as new only
// relative to a walk that saw everything before it.
//
// It cannot see contacts deleted in the meantime, nor task and note changes that did not
// change their contact; see Contacts.ChangedSince.
func (s *Syncer) CatchUp(ctx context.Context) (*CatchUpResult, error) {
	res := &CatchUpResult{Checkpoint: s.store.Checkpoint()}
	if !res.Checkpoint.IsZero() {
		res.Since = res.Checkpoint.Add(-s.margin)
	}
	newest := res.Checkpoint
	var walkErr error
	for c, err := range s.client.Contacts.ChangedSince(ctx, res.Since) {
		if err != nil {
			walkErr = fmt.Errorf("catch-up: after %d contacts: %w", res.Read, err)
			break
		}
		res.Read++
		rec, linked := s.store.ByContactID(c.ID)
		added := timeOf(c.DateAdded)
		switch {
		case res.Since.IsZero():
			s.store.UpsertByContactID(c.ID, s.phoneFromGHL(c.ID, c.Phone), func(r *Record) {
				applyContact(r, c, s.region)
				r.SyncedAt = s.now()
				if r.UpdatedAt.IsZero() {
					r.UpdatedAt = r.SyncedAt
				}
			})
		case !linked && !added.Before(res.Since), linked && added.After(res.Checkpoint):
			// New to LinkedPhone, or created after the last walk: its ContactCreate may have
			// been missed. A record that already has its follow-up task is left as it is.
			// (Contacts in the margin that the last walk imported are linked and older.)
			followUp, err := s.linkNewContact(ctx, "catch-up: contact created while away", c.ID, displayName(contactName(c), c.Phone), s.phoneFromGHL(c.ID, c.Phone), func(r *Record) {
				if !staleContact(r, timeOf(c.DateUpdated)) {
					applyContact(r, c, s.region)
				}
			})
			if err != nil {
				walkErr = err
			} else if followUp || !linked {
				res.Created++
			}
		case linked:
			s.store.Update(rec.ID, func(r *Record) bool {
				if staleContact(r, timeOf(c.DateUpdated)) {
					return false
				}
				before := *r
				applyContact(r, c, s.region)
				if contactFieldsEqual(&before, r) {
					return true // only the dateUpdated moved (say, a note was added)
				}
				res.Updated++
				r.SyncedAt = s.now()
				s.report("catch-up: contact %s changed while away -> %s updated", c.ID, rec.ID)
				return true
			})
		}
		// A contact LinkedPhone does not hold, older than the walk, is left alone, as the
		// ContactUpdate webhook would leave it.
		if walkErr != nil {
			break
		}
		if t := timeOf(c.DateUpdated); t.After(newest) {
			newest = t
		}
	}
	if walkErr == nil {
		s.store.AdvanceCheckpoint(newest)
		res.Checkpoint = s.store.Checkpoint()
	}
	return res, errors.Join(walkErr, s.store.Save())
}

// staleContact reports whether a contact last updated at updated is older than what the
// record holds, so applying it would undo a newer change.
func staleContact(r *Record, updated time.Time) bool {
	return !updated.IsZero() && updated.Before(r.GHLUpdatedAt)
}

// contactFieldsEqual reports whether two records hold the same contact fields.
func contactFieldsEqual(a, b *Record) bool {
	return a.ContactID == b.ContactID && a.Name == b.Name && a.Email == b.Email && a.Phone == b.Phone &&
		a.Status == b.Status && slices.Equal(a.Tags, b.Tags)
}
