package handlers

import "github.com/labstack/echo/v4"

// enableAccount lets an account obtain tokens again.
func (h *handler) enableAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	return h.setEnabled(c, id, true)
}
