package ghltest

// Placeholders that the search, tasks, notes, appointments, tags, oauth, rate-limit, fault and
// webhook files replace.
