package handlers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// render writes body bare for an HTMX request and inside the layout
// otherwise (consuming the session's flash messages). Output is buffered so
// a rendering failure becomes an error page, never half a page.
func (h *handler) render(c echo.Context, status int, title string, body templ.Component) error {
	c.Response().Header().Add("Vary", htmx.HeaderRequest)
	// Not the request's upstream budget (see upstreamBudget): a page
	// explaining that it ran out must still render.
	ctx := context.WithoutCancel(c.Request().Context())
	comp := body
	if !hxOf(c).Partial() {
		if st, ok := c.Get(stateKey).(*state); ok {
			views.RequestFrom(ctx).Flashes = st.takeFlashes()
		}
		comp = views.Layout(title)
		ctx = templ.WithChildren(ctx, body)
	}
	buf := h.buffers.get()
	defer h.buffers.put(buf)
	if err := comp.Render(ctx, buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// bufferPool recycles render buffers: a list page is a few hundred KB, and
// growing a fresh buffer to that size for every request is measurable.
type bufferPool struct{ p sync.Pool }

// maxPooledBuffer keeps a rare huge page (every row of a large list) from
// pinning its buffer.
const maxPooledBuffer = 1 << 20

func (b *bufferPool) get() *bytes.Buffer {
	if buf, ok := b.p.Get().(*bytes.Buffer); ok {
		return buf
	}
	return new(bytes.Buffer)
}

func (b *bufferPool) put(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledBuffer {
		return
	}
	buf.Reset()
	b.p.Put(buf)
}

// redirectWithFlash finishes a plain form post: post/redirect/get.
func (h *handler) redirectWithFlash(c echo.Context, kind, text, to string) error {
	stateOf(c).addFlash(kind, text)
	return c.Redirect(http.StatusSeeOther, to)
}

// announce has msg read out after an HTMX swap.
func announce(c echo.Context, msg string) {
	htmx.Response{TriggerAfterSettle: map[string]string{views.EventAnnounce: msg}}.Apply(c.Response().Header())
}

// retargetPanel aims an HTMX answer at the page's panel, whatever the
// request targeted.
func retargetPanel(c echo.Context) {
	htmx.Response{Retarget: views.Sel(views.PanelID), Reswap: htmx.SwapInnerHTML}.Apply(c.Response().Header())
}

// respond is Echo's HTTPErrorHandler and the one road from an error to the
// page. classify words the error (a shown failure comes worded and drawn);
// respond logs it once and answers where the user acted:
//
//   - a session whose token Run:ai refused goes to sign in again;
//   - a shown failure is its own page: the form that failed, input kept;
//   - an HTMX request gets the problem in the page's panel;
//   - a plain form's change gets a flash on the page it came from, unless
//     the control plane did not answer in time (that page would wait for
//     it again);
//   - anything else is an error page.
func (h *handler) respond(err error, c echo.Context) {
	if c.Response().Committed {
		h.Logger.Warn("error after the response started", "err", err, "request_id", requestIDOf(c))
		return
	}
	if errors.Is(err, context.Canceled) {
		h.Logger.Info("request cancelled by the client", "path", c.Request().URL.EscapedPath(), "request_id", requestIDOf(c))
		_ = c.NoContent(499)
		return
	}
	if used, ok := isUsedOnce(err); ok { // not a failure: the first request did it
		if out := h.answerUsedOnce(c, used); out != nil {
			h.Logger.Error("answering a repeated form failed", "err", out, "request_id", requestIDOf(c))
		}
		return
	}
	var (
		s *shown
		f *failure
		p problem
	)
	switch {
	case errors.As(err, &s):
		f, p = &s.failure, s.p
	case errors.As(err, &f):
		p = h.problemOf(c, err, f.act)
	default:
		f = &failure{act: action{verb: verbRequest}, err: err}
		p = h.problemOf(c, err, f.act)
	}
	h.logFailure(c, err, p)
	var out error
	switch {
	case apiclient.IsUnauthorized(err) && !f.act.signsIn() && c.Get(stateKey) != nil:
		out = h.sessionRejected(c)
	case s != nil:
		out = h.render(c, p.status, s.title, s.page)
	case hxOf(c).Partial():
		retargetPanel(c)
		var removeID string
		if p.gone {
			removeID = f.act.id
		}
		out = h.render(c, p.status, p.Title, views.ProblemResult(p.Problem, removeID))
	case f.act.mutates() && c.Get(stateKey) != nil && kindOf(err) != timedOut:
		back := h.returnPath(c)
		if p.gone {
			back = h.link(c, paths.Accounts.Link())
		}
		kind := p.Kind
		if kind == "" {
			kind = "error"
		}
		out = h.redirectWithFlash(c, kind, p.Title+". "+p.Detail+" "+p.Next, back)
	default:
		out = h.render(c, p.status, p.Title, views.ErrorView(views.ErrorPage{Status: p.status, Problem: p.Problem}))
	}
	if out != nil {
		h.Logger.Error("rendering the error page failed", "err", out, "cause", err, "request_id", requestIDOf(c))
		_ = c.String(http.StatusInternalServerError, "Internal error. Request ID: "+requestIDOf(c))
	}
}

// sessionRejected sends the user to sign in again after the API refused
// the session's token, and back here afterwards.
func (h *handler) sessionRejected(c echo.Context) error {
	h.Logger.Info("upstream rejected the session token", "request_id", requestIDOf(c))
	return h.toSignIn(c, "Your Run:ai session has expired or was revoked. Sign in again to continue; you will come back to this page.")
}

// problemOf classifies err for this request: classify, plus the request
// id the page shows.
func (h *handler) problemOf(c echo.Context, err error, a action) problem {
	p := classify(err, a)
	p.RequestID = requestIDOf(c)
	return p
}

// logFailure logs a failure once: 5xx as errors, the rest as warnings,
// refusals also as security events.
func (h *handler) logFailure(c echo.Context, err error, p problem) {
	if p.event != "" {
		h.securityEvent(c, p.event, err.Error())
	}
	level := slog.LevelWarn
	if p.status >= 500 {
		level = slog.LevelError
	}
	h.Logger.LogAttrs(c.Request().Context(), level, "request failed",
		slog.Any("err", err), slog.Int("status", p.status),
		slog.String("path", c.Request().URL.EscapedPath()), slog.String("request_id", p.RequestID))
}

// note words a failure that does not fail the page (rules that could not
// be read, a picker without roles) and logs it: what the page says
// instead, in one sentence.
func (h *handler) note(c echo.Context, err error, a action) string {
	if errors.Is(err, context.Canceled) {
		return ""
	}
	p := h.problemOf(c, err, a)
	h.logFailure(c, err, p)
	return p.Detail + " " + p.Next
}
