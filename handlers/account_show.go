package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// showAccount renders an account's own page: its record, its access rules
// and the forms that change them, its rotations and its history. When the
// session's list names the account (the page was opened from the list),
// the account is read at the same time as the rest: what the rest reads
// needs only its ids and name, which the list has and which never change.
func (h *handler) showAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	listed, ok := h.listed(c, id)
	if !ok {
		a, err := h.loadAccount(c)
		if err != nil {
			return err
		}
		return h.render(c, http.StatusOK, a.Name, views.AccountView(h.accountPageOf(c, a)))
	}
	var (
		a    runai.ServiceAccount
		page views.AccountPage
		g    errgroup.Group
	)
	g.Go(func() (err error) { a, err = h.loadAccount(c); return err })
	g.Go(func() error { page = h.accountPageOf(c, listed); return nil })
	if err := g.Wait(); err != nil {
		return err
	}
	if a.ID != listed.ID || a.ClientID != listed.ClientID || a.Name != listed.Name { // never expected: read it all again
		page = h.accountPageOf(c, a)
	}
	return h.render(c, http.StatusOK, a.Name, views.AccountView(withRecord(page, a)))
}

// listed is the session's recent list's copy of the account with id, when
// it has one (whatever the session changed since: a change does not touch
// an account's ids or name).
func (h *handler) listed(c echo.Context, id string) (runai.ServiceAccount, bool) {
	d, ok := h.recentList(c)
	if !ok {
		return runai.ServiceAccount{}, false
	}
	i := slices.IndexFunc(d.In.All, func(x runai.ServiceAccount) bool { return x.ID == id })
	if i < 0 {
		return runai.ServiceAccount{}, false
	}
	return d.In.All[i], true
}
