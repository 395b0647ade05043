package handlers

import "github.com/labstack/echo/v4"

// disableAccount stops an account from obtaining tokens.
func (h *handler) disableAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	return h.setEnabled(c, id, false)
}
