package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/runai-tools/sa-dashboard/static"
)

// maxBody bounds request bodies: the largest legitimate one is a pasted
// token of a few KiB.
const maxBody = "64K"

// routes builds Echo with every route of the dashboard, in one place.
func (h *handler) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.handleError
	e.IPExtractor = h.ipExtractor()

	e.Pre(routeOnEscapedPath)
	e.Use(h.securityHeaders, h.requestID, h.logRequests, middleware.Recover(), middleware.BodyLimit(maxBody),
		middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 4096, Skipper: noCompression}), h.readProxyHeaders)

	b := h.base
	e.GET(b+static.Prefix+"*", echo.WrapHandler(http.StripPrefix(b+"/static", static.Handler())))
	e.GET(b+"/healthz", h.healthz)
	e.GET(b+"/readyz", h.readyz)
	if h.metrics != nil {
		e.GET(b+"/metrics", echo.WrapHandler(h.metrics.Handler()))
	}

	// Pages with a session, for allowed SSO identities; every unsafe
	// method passes the CSRF check.
	web := []echo.MiddlewareFunc{h.checkAllowList, h.loadSession, h.checkCSRF}
	e.GET(b+"/signin", h.showSignIn, web...).Name = "signin"
	e.POST(b+"/signin/key", h.signInWithKey, web...)
	e.POST(b+"/signin/token", h.signInWithToken, web...)
	e.POST(b+"/signout", h.signOut, web...)

	// Pages for signed-in admins.
	auth := append(web, h.requireAuth)
	e.GET(b+"/", h.home, auth...)
	if b != "" {
		e.GET(b, h.home, auth...)
	}
	e.GET(b+"/accounts", h.listAccounts, auth...)
	e.POST(b+"/accounts", h.createAccount, auth...)
	e.GET(b+"/accounts/export.csv", h.exportAccounts, auth...)
	e.POST(b+"/accounts/bulk/confirm", h.confirmBulk, auth...)
	e.POST(b+"/accounts/bulk", h.runBulk, auth...)
	e.POST(b+"/accounts/verify", h.verifyCredentials, auth...)
	e.GET(b+"/accounts/:id", h.showAccount, auth...)
	e.POST(b+"/accounts/:id/enable", h.enableAccount, auth...)
	e.POST(b+"/accounts/:id/disable", h.disableAccount, auth...)
	e.GET(b+"/accounts/:id/delete", h.confirmDelete, auth...)
	e.POST(b+"/accounts/:id/delete", h.deleteAccount, auth...)
	e.GET(b+"/accounts/:id/regenerate", h.confirmRegenerate, auth...)
	e.POST(b+"/accounts/:id/regenerate", h.regenerateSecret, auth...)
	return e
}

// noCompression skips compression for anything but GET: the responses
// that carry a one-time secret (create, regenerate) or a pasted token's
// echo are POST answers, so a compression side channel (BREACH) has
// nothing to measure. GET pages carry the CSRF token freshly masked.
// Static assets come precompressed.
func noCompression(c echo.Context) bool {
	return c.Request().Method != http.MethodGet || strings.Contains(c.Request().URL.Path, static.Prefix)
}

// routeOnEscapedPath makes Echo match routes on the escaped path, so an
// account id holding "/" stays one path parameter; accountID unescapes it.
func routeOnEscapedPath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := c.Request().URL
		u.RawPath = u.EscapedPath()
		return next(c)
	}
}

func (h *handler) home(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, h.link(c, "/accounts"))
}
