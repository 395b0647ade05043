package handlers

import (
	"context"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// What the actions that make a new secret for a delivered account share
// (regenerate, a rotation's successor): who reads the Secrets that hold
// it, a dry run of writing into them before anything changes, the write,
// and the restart of the readers that need one.

// withReaders adds to s the workloads that read each of its Secrets: one
// listing of Pods per namespace, never cached (who reads a Secret is asked
// when it matters).
func (h *handler) withReaders(c echo.Context, s views.HeldSection) views.HeldSection {
	if len(s.Held) == 0 {
		return s
	}
	s.ReadersListed = true
	cl, err := h.kubeFor(c)
	byNS := map[string][]string{}
	for _, hs := range s.Held {
		byNS[hs.Namespace] = append(byNS[hs.Namespace], hs.Name)
	}
	for ns, names := range byNS {
		readers, rerr := map[string][]delivery.Reader(nil), err
		if rerr == nil {
			readers, rerr = delivery.Readers(c.Request().Context(), cl.Typed, ns, names)
		}
		for i := range s.Held {
			switch {
			case s.Held[i].Namespace != ns:
			case rerr != nil:
				s.Held[i].ReadersProblem = delivery.Reason(rerr)
			default:
				s.Held[i].Readers = readers[s.Held[i].Name]
			}
		}
	}
	return s
}

// handover is the hand-over part of a form for account a: the Secrets
// that hold it and their readers, with the input.
func (h *handler) handover(c echo.Context, a runai.ServiceAccount, in form.Handover) views.Handover {
	if !h.deliveryOn() {
		return views.Handover{}
	}
	return views.Handover{Held: h.withReaders(c, h.heldBy(c, a)), Input: in}
}

// errHandover is a Secret holding the account that the cluster refused
// to let the dashboard write, found by a dry run before anything changed.
type errHandover struct {
	err    error
	secret delivery.Held
}

func (e *errHandover) Error() string { return "write into " + e.secret.String() + ": " + e.err.Error() }
func (e *errHandover) Unwrap() error { return e.err }

func (e *errHandover) word(p *problem, _ action) {
	p.status = deliveryStatus(e.err)
	p.Detail = "The Secret " + e.secret.String() + ", which holds " + e.secret.Account + ", cannot be written: " + delivery.Reason(e.err)
	p.Next = "Nothing was changed. Ask for the permission the cluster names, or uncheck writing into the Secrets that hold it (then hand the new secret over yourself)."
}

// precheckHandover tries, as a server-side dry run, writing a's new
// credentials into every Secret of held (from: the account they hold, for
// a rotation's successor), before anything changes.
func (h *handler) precheckHandover(c echo.Context, held []delivery.Held, a runai.ServiceAccount, from string) error {
	if len(held) == 0 {
		return nil
	}
	cl, err := h.kubeFor(c)
	for _, s := range held {
		t, ok := s.Target()
		if err == nil && !ok {
			err = delivery.ErrKeysUnknown
		}
		if err == nil {
			cr := delivery.Credentials{Account: a, ClientID: "dry-run", Secret: "dry-run", URL: h.Delivery.RunaiURL}
			err = delivery.Write(c.Request().Context(), cl.Typed, t, cr, h.deliveredBy(c), h.Now(), delivery.Overwrite{From: from}, true)
		}
		if err != nil {
			return &errHandover{err: err, secret: s}
		}
	}
	return nil
}

// handOver writes cr into every Secret of held (from: the account they
// hold, for a rotation's successor; "" for the same account's new
// secret), each recorded as a change of its own, then restarts the
// readers that need it when restart is asked; it says what became of
// each.
func (h *handler) handOver(c echo.Context, held []views.HeldSecret, cr delivery.Credentials, from string, restart bool) []views.HandedOver {
	if len(held) == 0 {
		return nil
	}
	ctx := context.WithoutCancel(c.Request().Context()) // what was begun is finished
	cl, cerr := h.kubeFor(c)
	out := make([]views.HandedOver, 0, len(held))
	for _, s := range held {
		res := views.HandedOver{Secret: s.String()}
		act := action{verb: verbDeliver, id: cr.Account.ID, name: cr.Account.Name, detail: "Secret " + s.String()}
		done := h.begin(c, act)
		err := cerr
		t, ok := s.Target()
		if err == nil && !ok {
			err = delivery.ErrKeysUnknown
		}
		if err == nil {
			err = delivery.Write(ctx, cl.Typed, t, cr, h.deliveredBy(c), h.Now(), delivery.Overwrite{From: from}, false)
			h.secrets.Changed()
		}
		done(act, err)
		if err != nil {
			res.Reason = delivery.Reason(err)
			out = append(out, res)
			continue
		}
		res.OK = true
		rs := delivery.RestartAll(ctx, cl.Typed, s.Namespace, s.Readers, restart, h.Now(), func(r delivery.Reader) func(error) {
			ra := action{verb: verbRestart, id: cr.Account.ID, name: cr.Account.Name, detail: r.String() + " in " + s.Namespace}
			done := h.begin(c, ra)
			return func(err error) { done(ra, err) }
		})
		res.Restarted, res.NotRestarted, res.ByHand, res.Files = rs.Restarted, rs.Failed, rs.ByHand, rs.Files
		out = append(out, res)
	}
	return out
}

// pairHeld lists the Secrets that still hold a rotation's old account
// and those that hold its successor, with who reads them.
func (h *handler) pairHeld(c echo.Context, p rotation.Pair) (old, succ views.HeldSection) {
	if !h.deliveryOn() {
		return views.HeldSection{}, views.HeldSection{}
	}
	old, succ = h.heldBy(c, p.Old), h.heldBy(c, p.Successor)
	both := h.withReaders(c, views.HeldSection{Held: append(slices.Clone(old.Held), succ.Held...)})
	old.Held, succ.Held = both.Held[:len(old.Held)], both.Held[len(old.Held):]
	old.ReadersListed, succ.ReadersListed = both.ReadersListed, both.ReadersListed
	return old, succ
}

// tokenTries is how often new credentials are tried at the token
// endpoint before a hand-over gives up (a control plane may take a
// moment to accept a new account's secret), tokenPause apart.
const (
	tokenTries = 3
	tokenPause = time.Second
)

// handOverSuccessor obtains a token with the successor's new secret and,
// once it has one, writes the credentials into the Secrets of into (which
// hold the old account or already the successor); it says what became of
// each, or why nothing was written.
func (h *handler) handOverSuccessor(c echo.Context, p rotation.Pair, secret runai.Secret, into []views.HeldSecret, restart bool) ([]views.HandedOver, string) {
	ctx := c.Request().Context()
	var err error
	for try := 1; ; try++ {
		_, err = h.API.ExchangeToken(ctx, p.Successor.ClientID, secret)
		if err == nil || try == tokenTries || !pause(ctx, tokenPause) {
			break
		}
	}
	h.Logger.Info("successor credentials verified", "account", p.Successor.Name, "ok", err == nil, "request_id", requestIDOf(c))
	if err != nil {
		return nil, "Run:ai issued no token for the credentials of " + p.Successor.Name + " (" + h.note(c, err, action{verb: verbVerify}) +
			"), so they were written nowhere: the Secrets still hold those of " + p.Old.Name + ", which keep working. Write the successor into them again from the rotation panel."
	}
	cr := delivery.Credentials{Account: p.Successor, ClientID: p.Successor.ClientID, Secret: secret, URL: h.runaiURL()}
	return h.handOver(c, into, cr, p.Old.ID, restart), ""
}

// pause waits d, or until ctx ends (false).
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
