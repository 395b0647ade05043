package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/views"
)

// confirmRotate asks before starting a rotation, proposing the
// successor's name and listing the rules it will get.
func (h *handler) confirmRotate(c echo.Context) error {
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	all, err := h.accounts(c)
	if err != nil {
		return &failure{act: action{verb: verbList}, err: err}
	}
	return h.render(c, http.StatusOK, "Rotate "+a.Name, views.RotateView(h.rotateStart(c, a, form.Rotate{Name: rotation.Next(a.Name, all), Old: a.Name}, h.handover(c, a, form.Handover{Write: true}))))
}
