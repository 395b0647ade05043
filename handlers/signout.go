package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/session"
)

// signOut ends the session on the server and in the browser.
func (h *handler) signOut(c echo.Context) error {
	st := stateOf(c)
	h.Logger.Info("signed out", "user", st.str(keyUser), "session", session.HashID(st.id()), "request_id", requestIDOf(c))
	if err := h.endSession(c); err != nil {
		return err
	}
	c.Response().Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	return c.Redirect(http.StatusSeeOther, h.link(c, paths.SignIn.Link().RawQuery(signedOutParam+"=1")))
}
