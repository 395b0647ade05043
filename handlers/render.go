package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// isHTMX reports whether the request wants a fragment: an htmx request
// that is neither boosted nor a history restore.
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") != "true" && h.Get("HX-History-Restore-Request") != "true"
}

// render writes body bare for an HTMX request and inside the layout
// otherwise (consuming the session's flash messages). Output is buffered so
// a rendering failure becomes an error page, never half a page.
func (h *handler) render(c echo.Context, status int, title string, body templ.Component) error {
	c.Response().Header().Add("Vary", "HX-Request")
	ctx := c.Request().Context()
	comp := body
	if !isHTMX(c) {
		if st, ok := c.Get(stateKey).(*state); ok {
			views.RequestFrom(ctx).Flashes = st.takeFlashes()
		}
		comp = views.Layout(title)
		ctx = templ.WithChildren(ctx, body)
	}
	var buf bytes.Buffer
	if err := comp.Render(ctx, &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// redirectWithFlash finishes a plain form post: post/redirect/get.
func (h *handler) redirectWithFlash(c echo.Context, kind, text, to string) error {
	stateOf(c).addFlash(kind, text)
	return c.Redirect(http.StatusSeeOther, to)
}

// safeNext accepts a return path only when it is a local path under the
// base path; anything else (other hosts, scheme-relative //host, back
// slashes, control characters) gives the accounts page.
func (h *handler) safeNext(c echo.Context, p string) string {
	base := h.prefix(c)
	def := base + "/accounts"
	if p == "" || len(p) > 2048 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsAny(p, "\\\x00\r\n\t") {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return def
	}
	if base != "" && u.Path != base && !strings.HasPrefix(u.Path, base+"/") {
		return def
	}
	if strings.HasPrefix(u.Path, base+"/signin") || strings.HasPrefix(u.Path, base+"/signout") {
		return def
	}
	return p
}

// accountID is the unescaped :id path parameter (routing is on the escaped
// path so that ids may hold "/").
func accountID(c echo.Context) (string, error) {
	id, err := url.PathUnescape(c.Param("id"))
	if err != nil || id == "" {
		return "", echo.NewHTTPError(http.StatusNotFound, "malformed account id")
	}
	return id, nil
}
