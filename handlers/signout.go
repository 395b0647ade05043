package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/session"
)

// signOut ends the session on the server and in the browser. It expires
// the dashboard's own cookies by name (the session's and the visitor's;
// the columns chosen outlive it on purpose) and clears this origin's cache
// and storage: Clear-Site-Data's "cookies" would clear every cookie of the
// registrable domain, signing the user out of the SSO proxy and of every
// other application on it.
func (h *handler) signOut(c echo.Context) error {
	st := stateOf(c)
	h.Logger.Info("signed out", "user", st.str(keyUser), "session", session.HashID(st.id()), "request_id", requestIDOf(c))
	if err := h.endSession(c); err != nil {
		return err
	}
	st.visitor.Options.MaxAge = -1
	st.visDirty = true
	c.Response().Header().Set("Clear-Site-Data", `"cache", "storage"`)
	return c.Redirect(http.StatusSeeOther, h.link(c, paths.SignIn.Link().RawQuery(signedOutParam+"=1")))
}
