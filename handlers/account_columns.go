package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// saveColumns remembers the chosen columns for this browser (a cookie, not
// the session: the choice outlives sign-out) and returns to the view they
// were chosen from.
func (h *handler) saveColumns(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseColumns(values)
	if errs := f.Validate(); errs != nil {
		return &failure{act: action{verb: verbColumns}, err: errs}
	}
	c.SetCookie(&http.Cookie{
		Name: ColumnsCookie, Value: f.Set.Encode(), Path: h.link(c, paths.Home.Link()), MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.isHTTPS(c.Request()),
	})
	return c.Redirect(http.StatusSeeOther, h.link(c, h.view(c).Path()))
}
