package handlers

import (
	"compress/gzip"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/static"
)

// maxBody bounds request bodies: the largest legitimate one is a bulk
// confirmation naming every account (about 40 KiB at 1000 ids).
const maxBody = "64K"

// gzipLevel is the compression of pages, chosen by BenchmarkGzipLevel: on
// the list page (100 rows) level 1 takes half the time of level 5 for
// 1.6 KiB more on the wire (11.6 against 9.9 KiB), and a fifth of level
// 9's; with every one of 1000 rows, 64 against 53 KiB at 2.4 against
// 5.8 ms.
const gzipLevel = gzip.BestSpeed

// routes builds Echo with every route of the dashboard, in one place. The
// patterns come from internal/paths, which views build their links from.
func (h *handler) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.respond
	e.IPExtractor = h.ipExtractor()

	e.Pre(routeOnEscapedPath)
	e.Use(h.securityHeaders, h.requestID, h.logRequests, middleware.Recover(), middleware.BodyLimit(maxBody),
		middleware.GzipWithConfig(middleware.GzipConfig{Level: gzipLevel, MinLength: 4096, Skipper: noCompression}), h.readProxyHeaders)

	at := func(r paths.Route) string { return h.BasePath + string(r) }
	e.GET(at(paths.Static), echo.WrapHandler(http.StripPrefix(h.BasePath+strings.TrimSuffix(static.Prefix, "/"), static.Handler())))
	e.GET(at(paths.Healthz), h.healthz)
	e.GET(at(paths.Readyz), h.readyz)
	if h.Metrics != nil {
		e.GET(at(paths.Metrics), echo.WrapHandler(h.Metrics.Handler()))
	}

	// Pages with a session, for allowed SSO identities; every unsafe
	// method passes the CSRF check.
	web := []echo.MiddlewareFunc{h.checkAllowList, h.loadSession, h.checkCSRF, h.upstreamBudget}
	e.GET(at(paths.SignIn), h.showSignIn, web...)
	e.POST(at(paths.SignInKey), h.signInWithKey, web...)
	e.POST(at(paths.SignInToken), h.signInWithToken, web...)
	e.POST(at(paths.SignOut), h.signOut, web...)

	// Pages for signed-in admins.
	auth := append(web, h.requireAuth)
	e.GET(at(paths.Home), h.home, auth...)
	if h.BasePath != "" {
		e.GET(h.BasePath, h.home, auth...)
	}
	e.GET(at(paths.Accounts), h.listAccounts, auth...)
	e.POST(at(paths.Accounts), h.createAccount, auth...)
	e.GET(at(paths.AccountsExport), h.exportAccounts, auth...)
	e.POST(at(paths.AccountsColumns), h.saveColumns, auth...)
	e.POST(at(paths.AccountsRows), h.rowAction, auth...)
	e.POST(at(paths.BulkConfirm), h.confirmBulk, auth...)
	e.POST(at(paths.Bulk), h.startBulk, auth...)
	e.GET(at(paths.BulkJob), h.showBulkJob, auth...)
	e.POST(at(paths.BulkJobCancel), h.stopBulkJob, auth...)
	e.POST(at(paths.Verify), h.verifyCredentials, auth...)
	e.GET(at(paths.Account), h.showAccount, auth...)
	e.POST(at(paths.AccountEnable), h.enableAccount, auth...)
	e.POST(at(paths.AccountDisable), h.disableAccount, auth...)
	e.GET(at(paths.AccountDelete), h.confirmDelete, auth...)
	e.POST(at(paths.AccountDelete), h.deleteAccount, auth...)
	e.GET(at(paths.AccountRegenerate), h.confirmRegenerate, auth...)
	e.POST(at(paths.AccountRegenerate), h.regenerateSecret, auth...)
	e.POST(at(paths.AccountRules), h.addRule, auth...)
	e.GET(at(paths.AccountRulesCopy), h.showCopyForm, auth...)
	e.POST(at(paths.AccountRulesCopy), h.copyAccess, auth...)
	e.GET(at(paths.AccountRuleDelete), h.confirmRemoveRule, auth...)
	e.POST(at(paths.AccountRuleDelete), h.removeRule, auth...)
	e.GET(at(paths.ScopePicker), h.showScopePicker, auth...)
	e.GET(at(paths.AccountHistory), h.showAccountHistory, auth...)
	e.GET(at(paths.Activity), h.showActivity, auth...)
	e.GET(at(paths.ActivityExport), h.exportActivity, auth...)
	e.GET(at(paths.AccountRotate), h.confirmRotate, auth...)
	e.POST(at(paths.AccountRotate), h.startRotation, auth...)
	e.POST(at(paths.RotationResume), h.resumeRotation, auth...)
	e.POST(at(paths.RotationDeliver), h.deliverSuccessor, auth...)
	e.POST(at(paths.AccountAutomation), h.setPolicy, auth...)
	e.POST(at(paths.AccountApprove), h.approveDeclaration, auth...)
	for _, step := range []paths.Route{paths.RotationRetire, paths.RotationFinish, paths.RotationCancel, paths.RotationDiscard} {
		e.GET(at(step), h.confirmRotationStep(step), auth...)
		e.POST(at(step), h.rotationStep(step), auth...)
	}
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
