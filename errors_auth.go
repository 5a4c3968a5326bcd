package ghl

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The errors of the OAuth app and its token sources and stores.

// Sentinels of the token paths, for errors.Is.
var (
	// ErrReauthorizationRequired means GHL refused the refresh token (invalid_grant: revoked,
	// expired or already used). The location must install the app again.
	ErrReauthorizationRequired = errors.New("ghl: refresh token refused; the location must reauthorize the app")

	// ErrLocationInactive is matched by *LocationInactiveError.
	ErrLocationInactive = errors.New("ghl: location is not active")

	// ErrTokenNotFound is returned (or matched) by TokenStore.Load when no token is saved under the key.
	ErrTokenNotFound = errors.New("ghl: no token saved for this key")
)

// TokenError reports a token request that failed: a refresh, a code exchange or a location
// token mint. It matches ErrReauthorizationRequired when GHL refused the refresh token or
// code (invalid_grant), or when no refresh token is left to use. Its text never holds a token
// or secret.
type TokenError struct {
	Grant string // GrantRefreshToken, GrantAuthorizationCode or GrantLocationToken
	Key   string // the location or company ID, when known
	// API is GHL's answer, when one came; Err is the failure otherwise (transport, decoding).
	API *APIError
	Err error

	reauth bool
	// unanswered: the request was sent and no usable answer came back.
	unanswered bool
	// lostAnswer: GHL refused a refresh token whose earlier refresh got no answer.
	lostAnswer bool
}

func newTokenError(grant, key string, api *APIError, err error) *TokenError {
	e := &TokenError{Grant: grant, Key: key, API: api, Err: err}
	if api != nil && grant != GrantLocationToken {
		e.reauth = api.ErrorType == "invalid_grant" || containsFold(api.Message, "invalid grant")
	}
	return e
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *TokenError) Error() string {
	var b strings.Builder
	switch e.Grant {
	case GrantRefreshToken:
		fmt.Fprintf(&b, "ghl: refreshing the token of %q: ", e.Key)
	case GrantLocationToken:
		fmt.Fprintf(&b, "ghl: minting a location token for %q: ", e.Key)
	default:
		b.WriteString("ghl: exchanging the authorization code: ")
	}
	b.WriteString(e.cause())
	if e.lostAnswer {
		b.WriteString(" (an earlier refresh with this token got no answer: GHL rotated the pair then, and the new pair never arrived)")
	}
	if e.reauth {
		b.WriteString(" (the app must be installed again)")
	}
	return b.String()
}

// cause is what went wrong, without saying which request.
func (e *TokenError) cause() string {
	switch {
	case e == nil:
		return "failed"
	case e.API != nil:
		s := fmt.Sprintf("%d %s", e.API.StatusCode, http.StatusText(e.API.StatusCode))
		if e.API.Message != "" {
			s += ": " + e.API.Message
		}
		return s
	case e.Err != nil:
		return e.Err.Error()
	}
	return "failed"
}

// Is matches ErrReauthorizationRequired when the grant was refused for good.
func (e *TokenError) Is(target error) bool {
	return target == ErrReauthorizationRequired && e.reauth
}

// Unwrap returns the *APIError or the underlying error.
func (e *TokenError) Unwrap() error {
	if e.API != nil {
		return e.API
	}
	return e.Err
}

// RefreshOutcomeUnknownError reports a refresh that was sent but got no usable answer: the
// connection broke or timed out, a proxy answered 5xx, or the answer could not be read. GHL
// may have rotated the pair, and then the new pair is lost and the old refresh token is dead.
// The old pair is kept and the next renewal sends its refresh token once more: if GHL refuses
// it (ErrReauthorizationRequired), the app must be installed again for Key. Its text never
// holds a token or secret.
type RefreshOutcomeUnknownError struct {
	Key string
	Err *TokenError // the refresh that got no answer
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *RefreshOutcomeUnknownError) Error() string {
	return fmt.Sprintf("ghl: refreshing the token of %q: the refresh outcome is unknown (%s): "+
		"if GHL rotated the pair, the new pair is lost; the next call tries the same refresh token again, "+
		"and if GHL refuses it the app must be installed again for this key", e.Key, e.Err.cause())
}

// Unwrap returns the failed request's *TokenError.
func (e *RefreshOutcomeUnknownError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// LocationInactiveError reports that GHL would not refresh a location's token because the
// location is paused or cancelled. The refresh token is kept: once the location is active
// again it works, so nothing needs reinstalling.
type LocationInactiveError struct {
	Key string
	Err *TokenError
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *LocationInactiveError) Error() string {
	return fmt.Sprintf("ghl: location %q is not active; its refresh token is kept for when it is active again (%v)", e.Key, e.Err)
}

// Is matches ErrLocationInactive.
func (e *LocationInactiveError) Is(target error) bool { return target == ErrLocationInactive }

// Unwrap returns the token endpoint's error.
func (e *LocationInactiveError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// TokenSaveError reports that a new token pair (from a refresh or a code exchange) could not
// be saved. The pair is not used until it is saved: the app keeps it in memory, saves it
// before the key's next token is handed out, and never sends the old refresh token again.
// (Should the process end before a save succeeds, the pair is lost with it: make sure the
// store recovers quickly.) A minted location token that could not be saved is dropped:
// minting spends nothing, so the next call mints another.
type TokenSaveError struct {
	Key string
	Err error
	msg string
}

func newTokenSaveError(key string, err error, secrets []string) *TokenSaveError {
	err = scrubError(err, secrets)
	return &TokenSaveError{Key: key, Err: err, msg: fmt.Sprintf("ghl: saving the new token of %q: %v", key, err)}
}

// Error describes the failure for a human; it never contains a token or secret.
func (e *TokenSaveError) Error() string { return e.msg }

// Unwrap returns the store's error.
func (e *TokenSaveError) Unwrap() error { return e.Err }
