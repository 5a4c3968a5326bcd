package ghltest

import "net/http"

// conversationAdmin adds the Conversations operations of the admin API (cmd/ghltest/README.md)
// under prefix p: what SendTextFromGHL, SetProviderDeliveryURL and ProviderAppToken do, for
// tests in any language.
func (s *Server) conversationAdmin(mux *http.ServeMux, p string) {
	mux.HandleFunc("PUT "+p+"/providers/{providerId}/delivery-url", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			URL string `json:"url"`
		}
		if !adminBody(w, r, &in) {
			return
		}
		if err := s.SetProviderDeliveryURL(r.PathValue("providerId"), in.URL); err != nil {
			adminError(w, http.StatusNotFound, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"providerId": r.PathValue("providerId"), "url": in.URL})
	})
	mux.HandleFunc("POST "+p+"/locations/{locationId}/texts", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ContactID   string   `json:"contactId"`
			Body        string   `json:"body"`
			Attachments []string `json:"attachments"`
		}
		if !adminBody(w, r, &in) || !s.hasLocation(w, r) {
			return
		}
		id, err := s.SendTextFromGHL(r.PathValue("locationId"), in.ContactID, in.Body, in.Attachments...)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"messageId": id})
	})
	mux.HandleFunc("POST "+p+"/locations/{locationId}/provider-token", func(w http.ResponseWriter, r *http.Request) {
		if !s.hasLocation(w, r) {
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"accessToken": s.ProviderAppToken(r.PathValue("locationId"))})
	})
}
