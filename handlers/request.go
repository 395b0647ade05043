package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/htmx"
)

// hxOf reads what htmx says about the request.
func hxOf(c echo.Context) htmx.Request { return htmx.ReadRequest(c.Request().Header) }

// posted is the request body's form, parsed once (never the URL's query:
// a form's values travel in its body).
func posted(c echo.Context) (url.Values, error) {
	if err := c.Request().ParseForm(); err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "malformed form")
	}
	return c.Request().PostForm, nil
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
