package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// One-time keys: every form that makes something (an account, a secret,
// a rotation, a bulk job, a rule) carries a key drawn with the form. The
// first request with a key claims it for the session, in the session
// store (so on every replica, atomically); a second request with the same
// key (a double click, the reload of a page that answered a plain form, a
// tab left open) changes nothing and says what the first one did.

// onceTTL is how long a key is remembered.
const onceTTL = 2 * time.Hour

// onceRecord is what a key remembers of the first time its form was sent.
type onceRecord struct {
	At   time.Time
	Said string // what was done, in words; "" while under way
	To   string // where its result can be seen, a path of the dashboard
}

func onceName(key string) string { return "once:" + key }

// once is a form's one-time key, claimed by this request. Settle it once
// the change was sent; a key left unsettled (the form was refused before
// anything was sent) is freed, so that the same form may be sent again.
type once struct {
	h       *handler
	sid     string
	key     string
	at      time.Time
	settled bool
}

// claimOnce claims the one-time key of the posted form for the session.
// A form without a well-formed key is refused (errNoOnce); a key already
// claimed answers what the first request did (errUsedOnce).
func (h *handler) claimOnce(c echo.Context, values url.Values) (*once, error) {
	key, ok := form.Once(values)
	if !ok {
		return nil, errNoOnce{}
	}
	ctx, sid := c.Request().Context(), stateOf(c).id()
	o := &once{h: h, sid: sid, key: key, at: h.Now()}
	claimed, err := h.Sessions.ClaimData(ctx, sid, onceName(key), onceRecord{At: o.at}, onceTTL)
	if err != nil {
		return nil, err
	}
	if !claimed {
		var first onceRecord
		if _, err := h.Sessions.GetData(ctx, sid, onceName(key), &first); err != nil {
			return nil, err
		}
		return nil, &errUsedOnce{first: first}
	}
	return o, nil
}

// settle records what became of the change. A change made, or whose
// outcome is unknown, keeps the key: said (what was done) and to (where
// to see it) answer a repeat. A change Run:ai refused, or that was never
// sent, frees it.
func (o *once) settle(ctx context.Context, err error, said string, to paths.Path) {
	if o == nil || o.settled {
		return
	}
	o.settled = true
	ctx = context.WithoutCancel(ctx)
	if err != nil && !mayHaveChanged(err) {
		o.release(ctx)
		return
	}
	if err != nil {
		said = "It was sent at " + clock(o.at) + ", and Run:ai did not say whether it worked: check before trying again."
	}
	rec := onceRecord{At: o.at, Said: said, To: string(to)}
	if err := o.h.Sessions.PutData(ctx, o.sid, onceName(o.key), rec, onceTTL); err != nil {
		o.h.Logger.Warn("a one-time key's outcome was not saved: a repeat will say only that it was sent", "err", err)
	}
}

// unsettled frees the key of a form refused before anything was sent;
// defer it after claimOnce.
func (o *once) unsettled(ctx context.Context) {
	if o != nil && !o.settled {
		o.settled = true
		o.release(context.WithoutCancel(ctx))
	}
}

func (o *once) release(ctx context.Context) {
	if err := o.h.Sessions.DeleteData(ctx, o.sid, onceName(o.key)); err != nil {
		o.h.Logger.Warn("a one-time key was not freed: the form must be drawn again to be sent", "err", err)
	}
}

// mayHaveChanged reports whether a failed change may have been made: it
// was sent and not answered, or answered by a server error or unreadably.
func mayHaveChanged(err error) bool {
	switch kindOf(err) {
	case serverError, timedOut, broken, malformed, tooLarge:
		return true
	}
	return false
}

// clock is a time of day as the one-time answers say it.
func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }

// errNoOnce is a form that makes something sent without its one-time key:
// an old page, or not the dashboard's own form.
type errNoOnce struct{}

func (errNoOnce) Error() string { return "form without a one-time key" }

func (errNoOnce) word(p *problem, _ action) {
	p.status = http.StatusBadRequest
	p.Detail = "The form was sent without its one-time key (an old page, say), so nothing was done."
	p.Next = "Reload the page and send the form again."
}

// errUsedOnce is a form sent again: its key was claimed by an earlier
// request, whose outcome it carries.
type errUsedOnce struct{ first onceRecord }

func (e *errUsedOnce) Error() string { return "form already sent at " + clock(e.first.At) }

// message says, in a sentence, that nothing was sent again and what the
// first time did.
func (e *errUsedOnce) message() string {
	if e.first.Said == "" {
		return "Nothing was sent again: this form was sent at " + clock(e.first.At) + " and is still being carried out; its answer is on its way."
	}
	return "Nothing was sent again: " + e.first.Said
}

// answerUsedOnce answers a form sent again: htmx keeps what the first
// answer drew (a new secret, say) and only announces it; a plain form
// goes, with the message, to where the first one's result can be seen.
func (h *handler) answerUsedOnce(c echo.Context, e *errUsedOnce) error {
	h.Logger.Info("a form was sent again; nothing was repeated", "first", e.first.At, "request_id", requestIDOf(c))
	if hxOf(c).Partial() {
		htmx.Response{Reswap: htmx.SwapNone, Trigger: map[string]string{views.EventAnnounce: e.message()}}.Apply(c.Response().Header())
		return c.NoContent(http.StatusOK)
	}
	to := h.returnPath(c)
	if e.first.To != "" {
		to = h.link(c, paths.Path(e.first.To))
	}
	return h.redirectWithFlash(c, "info", e.message(), to)
}

// isUsedOnce finds a repeat in an error.
func isUsedOnce(err error) (*errUsedOnce, bool) {
	var e *errUsedOnce
	return e, errors.As(err, &e)
}
