package ghl

// TasksService reaches the /contacts/{contactId}/tasks endpoints.
type TasksService service

// NotesService reaches the /contacts/{contactId}/notes endpoints.
type NotesService service

// AppointmentsService reaches /contacts/{contactId}/appointments.
type AppointmentsService service

// TagsService reaches the tag endpoints of contacts.
type TagsService service
