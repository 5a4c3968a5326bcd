package ghltest

// noteDoc is a stored note (GetNoteSchema).
type noteDoc struct {
	id, body, userID, dateAdded, contactID, title, color string
	pinned                                               bool
}

func (n *noteDoc) json() map[string]any {
	m := map[string]any{"id": n.id, "body": n.body, "dateAdded": n.dateAdded, "contactId": n.contactID, "pinned": n.pinned}
	for k, v := range map[string]string{"userId": n.userID, "title": n.title, "color": n.color} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// event is the payload of NoteCreate, NoteUpdate and NoteDelete.
func (n *noteDoc) event() map[string]any {
	return map[string]any{"id": n.id, "body": n.body, "contactId": n.contactID, "dateAdded": n.dateAdded}
}

func (n *noteDoc) docID() string { return n.id }

func (s *Server) notes() *subResource[*noteDoc] {
	return &subResource[*noteDoc]{s: s, name: "Note", key: "note", plural: "notes", param: "id",
		items: func(l *location) map[string][]*noteDoc { return l.notes },
		input: noteInput,
		newItem: func(id, contactID, dateAdded string) *noteDoc {
			return &noteDoc{id: id, contactID: contactID, dateAdded: dateAdded}
		},
		apply: func(n *noteDoc, fields map[string]any) string {
			n.apply(fields)
			return "NoteUpdate"
		},
		created: "NoteCreate", deleted: "NoteDelete",
	}
}

// noteInput validates NotesDTO (create: body required) or UpdateNoteDTO (any subset).
func noteInput(in map[string]any, create bool) (map[string]any, []string) {
	msgs := unknownProperties(in, "body", "userId", "title", "color", "pinned")
	out := map[string]any{}
	for _, k := range []string{"body", "userId", "title", "color"} {
		v, ok := in[k]
		if !ok || v == nil {
			switch {
			case k == "body":
				if create || ok {
					msgs = append(msgs, "body should not be empty")
				}
			case ok:
				out[k] = "" // null clears an optional field
			}
			continue
		}
		s, isStr := v.(string)
		switch {
		case !isStr:
			msgs = append(msgs, k+" must be a string")
		case k == "body" && s == "":
			msgs = append(msgs, "body should not be empty")
		default:
			out[k] = s
		}
	}
	if v, ok := in["pinned"]; ok && v != nil {
		if b, isBool := v.(bool); isBool {
			out["pinned"] = b
		} else {
			msgs = append(msgs, "pinned must be a boolean value")
		}
	}
	return out, msgs
}

func (n *noteDoc) apply(fields map[string]any) {
	for k, v := range fields {
		switch k {
		case "body":
			n.body = v.(string)
		case "userId":
			n.userID = v.(string)
		case "title":
			n.title = v.(string)
		case "color":
			n.color = v.(string)
		case "pinned":
			n.pinned = v.(bool)
		}
	}
}
