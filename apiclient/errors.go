package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Sentinel errors matched with errors.Is against an *Error by status class.
var (
	ErrBadRequest   = errors.New("bad request")             // 400
	ErrUnauthorized = errors.New("unauthorized")            // 401
	ErrForbidden    = errors.New("forbidden")               // 403
	ErrNotFound     = errors.New("not found")               // 404
	ErrConflict     = errors.New("conflict")                // 409
	ErrServer       = errors.New("upstream server error")   // 5xx
	ErrBodyTooLarge = errors.New("response body too large") // past the configured cap
	ErrTooMany      = errors.New("more items than the API holds")
)

// TooManyError is an answer listing more than the API can hold (more
// service accounts than its maximum, more rules than the dashboard reads):
// a broken or hostile upstream, refused rather than kept. It matches
// ErrTooMany.
type TooManyError struct {
	What  string // "service accounts", "access rules of service accounts"
	Count int    // how many the answer listed or claimed
	Max   int
}

func (e *TooManyError) Error() string {
	return fmt.Sprintf("%v: %d %s, at most %d are read", ErrTooMany, e.Count, e.What, e.Max)
}

// Is makes errors.Is(err, ErrTooMany) hold.
func (e *TooManyError) Is(target error) bool { return target == ErrTooMany }

// BodyTooLargeError is an answer longer than the client's cap
// (WithMaxBodyBytes): the dashboard's limit, not the API's fault, so
// retrying does not help. It matches ErrBodyTooLarge.
type BodyTooLargeError struct {
	Limit        int64 // bytes
	Method, Path string
}

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("%v: more than %d bytes from %s %s", ErrBodyTooLarge, e.Limit, e.Method, e.Path)
}

// Is makes errors.Is(err, ErrBodyTooLarge) hold.
func (e *BodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }

// Error is a non-success answer from the Run:ai API: the HTTP status plus
// the decoded Error body. When the body was not the API's Error JSON (a
// proxy's HTML page, an empty body) Body holds its first bytes instead.
type Error struct {
	Op         string // what the client was doing, e.g. "create service account"
	StatusCode int
	Code       int    // Error.code from the body, if any
	Message    string // Error.message from the body, if any
	Details    string // Error.details from the body, if any
	Body       string // first bytes of a body that was not an Error document
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiclient: %s: %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.Message != "":
		b.WriteString(": ")
		b.WriteString(e.Message)
		if e.Details != "" {
			b.WriteString(" (" + e.Details + ")")
		}
	case e.Body != "":
		fmt.Fprintf(&b, ": unexpected body %q", e.Body)
	default:
		b.WriteString(" (empty body)")
	}
	return b.String()
}

// Is matches the status-class sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// HTTPStatus is the answer's status, for packages below this one that
// classify errors without importing it.
func (e *Error) HTTPStatus() int { return e.StatusCode }

// UserMessage is the API's own message for the user, falling back to the
// HTTP status text when the body carried none.
func (e *Error) UserMessage() string {
	if e.Message != "" {
		return e.Message
	}
	return http.StatusText(e.StatusCode)
}

// StatusCode returns the HTTP status carried by err, or 0 when err is not an
// API answer (a network error, a timeout, a decoding failure).
func StatusCode(err error) int {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}

// Convenience predicates for the statuses the dashboard maps to messages.
func IsBadRequest(err error) bool   { return errors.Is(err, ErrBadRequest) }
func IsUnauthorized(err error) bool { return errors.Is(err, ErrUnauthorized) }
func IsForbidden(err error) bool    { return errors.Is(err, ErrForbidden) }
func IsNotFound(err error) bool     { return errors.Is(err, ErrNotFound) }
func IsConflict(err error) bool     { return errors.Is(err, ErrConflict) }

// bodySnippetLen is how much of an unexpected error body is kept.
const bodySnippetLen = 256

// newError builds an *Error from a non-success response body.
func newError(op string, status int, body []byte) *Error {
	e := &Error{Op: op, StatusCode: status}
	var eb struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
		Details *string `json:"details"`
	}
	if err := json.Unmarshal(body, &eb); err == nil && eb.Message != nil {
		e.Message = *eb.Message
		if eb.Code != nil {
			e.Code = *eb.Code
		}
		if eb.Details != nil {
			e.Details = *eb.Details
		}
		return e
	}
	e.Body = snippet(body)
	return e
}

// snippet returns the first bytes of body as valid UTF-8 on one line.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > bodySnippetLen {
		s = s[:bodySnippetLen]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "�")), " ")
}

// IsTimeout reports whether err is a deadline or a network timeout: the
// outcome of a mutation that failed this way is unknown.
func IsTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// IsUnanswered reports a request that may have reached the control plane
// without an answer coming back: a timeout, or a connection that broke
// after it was made. A connection that could not be made is not one: the
// request never left.
func IsUnanswered(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return false
	}
	if IsTimeout(err) {
		return true
	}
	var ue *url.Error
	return errors.As(err, &ue)
}

// IsMalformed reports an answer that came (a 2xx, usually) but could not
// be read: not JSON, the wrong shape, or a required field missing. After a
// change, the change was probably made.
func IsMalformed(err error) bool {
	var (
		bad *MalformedError
		mf  *MissingFieldError
	)
	return errors.As(err, &bad) || errors.As(err, &mf)
}

// IsUnavailable reports whether the control plane failed to give a usable
// answer: a 5xx, a timeout, a connection failure or an oversized or garbled
// body. It is false for the 4xx answers and for cancellation by the caller.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500 || ae.StatusCode < 400
	}
	return true
}
