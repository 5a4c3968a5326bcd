// Command sync keeps LinkedPhone's contact records in sync with a GHL (GoHighLevel)
// location. It is the reference integration of the ghl SDK: every workflow below is a few
// calls on a *ghl.Client plus LinkedPhone's side of the bargain.
//
//	go run ./examples/sync                 # demo: in-process fake of the API, no account needed
//	GHL_ACCESS_TOKEN=pit-... GHL_LOCATION_ID=... go run ./examples/sync          # real API, read-only
//	GHL_ACCESS_TOKEN=pit-... GHL_LOCATION_ID=... go run ./examples/sync -write   # real API, with writes
//	GHL_ACCESS_TOKEN=pit-... GHL_LOCATION_ID=... go run ./examples/sync -listen :8080  # webhook receiver
//	GHL_ACCESS_TOKEN=<app token> GHL_CALL_PROVIDER_ID=... GHL_LOCATION_ID=... go run ./examples/sync -write
//	                                        # real API, calls logged in the contacts' conversations
//
// Flags: -data (LinkedPhone data file, default in the system temp directory), -contacts
// (demo contacts to seed, default 3000), -v (debug logs of every API attempt and webhook
// verdict, through slog and ghl.WithLogger), -write and -listen. GHL_BASE_URL optionally
// points real mode at another host. GHL_CALL_PROVIDER_ID, the Call conversation provider of
// LinkedPhone's marketplace app, turns on call logging in real mode; GHL takes call logs only
// with that app's OAuth token for the location (GHL_ACCESS_TOKEN), never with a Private
// Integration Token. Exit status: 0 on success, 1 when the run failed (the API refused the
// token, a workflow failed), 2 for a usage or configuration error.
//
// By default it starts ghltest in-process, seeds it with demo contacts, tasks, notes and
// appointments, turns on GHL's real rate limit (100 requests per 10 s per location), receives
// the fake's signed webhooks on a loopback port, runs every workflow and prints a summary.
// The demo works through the OAuth token of LinkedPhone's marketplace app, which owns the
// fake's Call and SMS conversation providers, and serves the SMS provider's Delivery URL
// beside its webhook receiver.
//
// # Workflows
//
//  1. A contact is requested or updated in LinkedPhone (say, its card is opened during a
//     call): fetch the contact, its tasks and its appointments from GHL and update the record
//     (Syncer.RefreshContact).
//  2. A new or changed LinkedPhone contact, such as a new caller: upsert it in GHL (matched by
//     email, then phone; a record not linked yet is first looked up with FindDuplicate) with
//     LinkedPhone's custom fields set by key, add the tags the activity implies, "called" or
//     "missed-call", log each new call as a Call message in the contact's conversation
//     (inbound or outbound, its outcome, LinkedPhone's call ID as altId, its time) with its
//     recording uploaded and attached, add the summary the person who took the call wrote as
//     a note, add the texts LinkedPhone received, and, last, book the follow-up a call asks
//     for in the first free slot of the "Follow-ups" calendar, with the GHL user whose
//     extension took the call, in the location's timezone (Syncer.PushContact; fields.go,
//     calls.go, texts.go, followup.go).
//  3. A task completed on either side: GHL's TaskComplete webhook marks the LinkedPhone task
//     done (Syncer.HandleEvent); a task done in LinkedPhone is marked completed in GHL with
//     PUT /contacts/{id}/tasks/{taskId}/completed (Syncer.CompleteTask).
//  4. A contact created in GHL (ContactCreate webhook): create a follow-up task for it and link
//     a LinkedPhone record (Syncer.HandleEvent).
//  5. Initial import: stream every contact of the location with Contacts.SearchAll (500 per
//     request, in dateUpdated order) into the store, with a progress line, and keep the newest
//     dateUpdated read as the checkpoint (Syncer.Import).
//  6. Catch-up after downtime: GHL retries a webhook for about 70 minutes at most, so events
//     sent while the receiver was down longer are lost. When the receiver starts (-listen), it
//     reads the contacts changed since the checkpoint with Contacts.ChangedSince and applies
//     them as the contact webhooks would have: a contact created meanwhile is linked and gets
//     its follow-up task, a linked contact that changed is updated (Syncer.CatchUp). The demo
//     stops its receiver, changes contacts in GHL, and restarts to show it.
//  7. Texts, as the location's SMS provider: a text a contact sends to LinkedPhone is added to
//     the conversation as an inbound SMS (workflow 2); a text a GHL user writes arrives at
//     LinkedPhone's Delivery URL as ProviderOutboundMessage, is handed to LinkedPhone's carrier
//     once (deduplicated on its message ID), and reported delivered with
//     UpdateMessageStatus, in the background: GHL refuses the report for some 5 to 10 s after
//     the send (500 ms in the demo), and the SDK waits that out (Delivery, texts.go). GHL
//     does not sign those deliveries, so the Delivery URL carries a secret path segment.
//     Real mode has no carrier, so it does not serve the Delivery URL.
//  8. An appointment booked, moved or cancelled in GHL (AppointmentCreate, AppointmentUpdate,
//     AppointmentDelete webhooks): the record's appointments follow, so the person on the
//     phone sees the current time (Syncer.HandleEvent; appointments.go). The demo has a GHL
//     user move a follow-up.
//
// # Set-up in GHL
//
// LinkedPhone's fields are custom fields of the location's contacts: "Last call" (Date
// Picker, key contact.last_call), "Call count" (Number, contact.call_count) and "LinkedPhone
// ID" (Single Line, contact.linkedphone_id). At start the sync looks them up with one request
// (ContactFields.Missing) and writes those the location has; real mode says which are missing
// and how to create them. Follow-ups need the calendar "Follow-ups" with the users who take
// calls on its team, and each of those users' phone extension set in GHL (Users.ByExtension).
// Calls are logged only through LinkedPhone's marketplace app, with its Call conversation
// provider and its OAuth token for the location; texts sent from GHL reach LinkedPhone when
// its SMS provider is the location's default and its Delivery URL is set in the app.
// The demo makes all of it in the fake: Alice Agent (ext 201), Bob Booker (ext 202).
//
// Webhooks are verified (Ed25519 signature over the raw body, timestamp window) and
// deduplicated by webhookId by the SDK's Handler: a redelivered event is acknowledged with
// 200 but not processed again. An event whose processing fails is answered with an error,
// so GHL delivers it again and it is processed then.
//
// # LinkedPhone's store
//
// LinkedPhone keeps its records in one JSON file (-data), rewritten atomically: a temp file
// in the same directory, fsync, then rename, mode 0600 since it holds names and numbers.
// The file also holds the checkpoint: the newest GHL dateUpdated that the import or a
// catch-up applied (GHL's clock, so this host's clock does not matter). A catch-up reads from
// two minutes before it, because GHL's search shows a write only after a few seconds; the
// contacts it reads again are found unchanged. Webhooks do not move the checkpoint (they may
// arrive out of order), so a catch-up after a restart also rereads what the webhooks already
// applied while the receiver ran: harmless, and cheap at 500 contacts a request. A catch-up
// cannot see contacts deleted meanwhile (search returns live contacts only) nor task and note
// changes that did not change their contact.
//
// # MAPPING
//
// GHL -> LinkedPhone (Record), on import, refresh and webhooks:
//
//	contact.id                        -> contactId (the record's own id, "lp-N", is LinkedPhone's)
//	contact.name, else firstName + " " + lastName, else companyName -> name
//	contact.email (lower-cased)       -> email
//	contact.phone (ghl.NormalizePhone by the location's country; left out if it does not
//	normalize)                        -> phone
//	contact.dnd, or dndSettings.Call.status active/permanent -> status "do-not-call"
//	otherwise contact.type "customer" -> status "customer"; anything else -> status "lead"
//	contact.tags (lower-cased, sorted, de-duplicated) -> tags
//	contact.dateUpdated               -> ghlUpdatedAt (a contact webhook older than it is ignored)
//	GET /contacts/{id}/tasks: id, title, body, dueDate, completed -> tasks
//	GET /contacts/{id}/notes: id, body, dateAdded -> notes (NoteCreate webhooks add new ones)
//	GET /contacts/{id}/appointments: id, title, startTime, appointmentStatus, assignedUserId,
//	dateUpdated                       -> appointments
//	AppointmentCreate / AppointmentUpdate / AppointmentDelete webhooks -> the appointment added,
//	changed or removed (one older than the record's dateUpdated is ignored)
//	TaskComplete webhook: id, contactId -> that task's completed = true
//	TaskCreate / TaskDelete webhooks -> the task added / removed
//	ContactCreate webhook: the contact fields above -> a new or linked record
//	ContactUpdate, ContactTagUpdate, ContactDndUpdate -> the fields above, if the record exists
//	ContactDelete -> the record is unlinked (contactId, tasks and notes cleared; calls kept)
//	(the call log is LinkedPhone's own and is never read from GHL; InboundMessage and
//	OutboundMessage webhooks are acknowledged and change nothing)
//
// LinkedPhone -> GHL, when a record changes (a call came in):
//
//	name -> name, and firstName (first word) + lastName (the rest)
//	email, phone -> email, phone in E.164 (the upsert matches an existing contact on them; a
//	record whose number does not normalize is not pushed, and a call from such a number is
//	not recorded)
//	source -> "LinkedPhone", only when FindDuplicate finds no contact (a new caller)
//	each call not yet logged -> a Call message (Conversations.LogCall, with the Call provider):
//	  direction "inbound" / "outbound" -> GHL's inbound / outbound endpoint
//	  answered -> call status completed; missed to voicemail -> voicemail; missed -> no-answer
//	  the contact's number and the LinkedPhone line -> call.from and call.to (reversed outbound)
//	  call ID -> altId; time -> date
//	  seconds -> nothing: GHL keeps no duration for a logged call (highlevel-api-docs#284);
//	  the recording has it
//	  recording (WAV file, up to GHL's 5 MB) -> Conversations.Upload, then SetAttachments
//	each call's summary -> a note: "LinkedPhone: inbound call, 4m12s at ... . summary"
//	calls -> tags added (never replaced): "called" if one was answered, "missed-call" if one was missed
//	each text received -> an inbound SMS (Conversations.AddInboundMessage): body, text ID as
//	altId, time
//	calls -> custom fields, by key, in the upsert: contact.last_call (the latest call's start,
//	RFC 3339 in UTC), contact.call_count (calls in LinkedPhone's log), contact.linkedphone_id
//	(the record's ID)
//	a call with FollowUp, taken on an extension -> an appointment in the first free slot of
//	the "Follow-ups" calendar for the GHL user with that extension, found in the location's
//	timezone, titled "Follow-up: <name>, call of <time>"; its ID is kept on the call, so it is
//	never booked twice (a booking whose answer was lost is looked for by its title)
//	a task marked done -> PUT .../tasks/{taskId}/completed {"completed": true}
//
// GHL -> LinkedPhone, at the Delivery URL:
//
//	ProviderOutboundMessage: messageId, phone, message -> a text of the contact's record,
//	direction outbound, status "sent", then "delivered" once GHL took the status update
//
// Tags are never sent in the upsert itself: GHL replaces a contact's whole tag list with the
// upsert's, which would drop tags set in GHL.
//
// Import stores contact fields only: fetching each contact's tasks would cost one request per
// contact, which at 100 requests per 10 s is 5 minutes for 3,000 contacts. Tasks are fetched
// when a contact is requested (workflow 1) and kept current by webhooks.
package main
