// Package openapi validates HTTP traffic against the Run:ai API documents
// embedded in internal/apidoc. Tests of the client and of the stub server
// wrap their transport or handler with it so that every request and
// response, errors included, is checked.
package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/runai-tools/sa-dashboard/internal/apidoc"
)

// Validator checks requests and responses against both documents.
type Validator struct {
	routers []routers.Router
	// Prefix is stripped from request paths before matching, for a control
	// plane served under a path prefix.
	Prefix string
}

var (
	loadOnce sync.Once
	loaded   []routers.Router
	loadErr  error
)

// New loads and validates the documents (once per process).
func New() (*Validator, error) {
	loadOnce.Do(func() {
		for _, doc := range [][]byte{apidoc.ServiceAccounts, apidoc.AccessRules, apidoc.Token} {
			l := openapi3.NewLoader()
			t, err := l.LoadFromData(doc)
			if err != nil {
				loadErr = err
				return
			}
			if err := t.Validate(context.Background()); err != nil {
				loadErr = err
				return
			}
			// Match on path alone: the document names app.run.ai as its
			// server, tests run on loopback.
			t.Servers = nil
			r, err := gorillamux.NewRouter(t)
			if err != nil {
				loadErr = err
				return
			}
			loaded = append(loaded, r)
		}
	})
	return &Validator{routers: loaded}, loadErr
}

// ErrNoRoute is returned for a request the documents do not describe.
var ErrNoRoute = errors.New("openapi: no operation in the documents matches")

func (v *Validator) find(req *http.Request) (*routers.Route, map[string]string, error) {
	r := req
	if v.Prefix != "" {
		r = req.Clone(req.Context())
		r.URL.Path = strings.TrimPrefix(r.URL.Path, v.Prefix)
		if r.URL.RawPath != "" {
			r.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, v.Prefix)
		}
	}
	for _, rt := range v.routers {
		route, params, err := rt.FindRoute(r)
		if err == nil {
			return route, params, nil
		}
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			return nil, nil, fmt.Errorf("%w: %s %s (method not allowed)", ErrNoRoute, req.Method, req.URL.Path)
		}
	}
	return nil, nil, fmt.Errorf("%w: %s %s", ErrNoRoute, req.Method, req.URL.Path)
}

func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		// The bearer scheme is checked by the tests themselves (a missing
		// header must give 401, which is part of the contract too).
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	}
}

// ValidateRequest checks a request (its body given separately, since the
// request's own may already be consumed).
func (v *Validator) ValidateRequest(req *http.Request, body []byte) error {
	route, params, err := v.find(req)
	if err != nil {
		return err
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options()}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return fmt.Errorf("openapi: request %s %s: %w", req.Method, req.URL.Path, err)
	}
	// Every operation of the service-accounts document requires bearerAuth.
	if len(route.Spec.Security) > 0 && !strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ") {
		return fmt.Errorf("openapi: request %s %s: no bearer token", req.Method, req.URL.Path)
	}
	return nil
}

// undocumented are answers the API gives but its documents leave out,
// by operation: each must still be an Error document.
var undocumented = map[string][]int{
	"create_access_rule": {http.StatusConflict}, // a duplicate rule
}

// ValidateResponse checks a response to req.
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.find(req)
	if err != nil {
		return err
	}
	if slices.Contains(undocumented[route.Operation.OperationID], status) {
		var e struct {
			Code    *int    `json:"code"`
			Message *string `json:"message"`
		}
		if json.Unmarshal(body, &e) != nil || e.Code == nil || e.Message == nil {
			return fmt.Errorf("openapi: undocumented response %d to %s %s is not an Error document: %s", status, req.Method, req.URL.Path, body)
		}
		return nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options()},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                options(),
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return fmt.Errorf("openapi: response %d to %s %s: %w", status, req.Method, req.URL.Path, err)
	}
	if status == http.StatusNoContent && len(body) > 0 {
		return fmt.Errorf("openapi: response 204 to %s %s has a body", req.Method, req.URL.Path)
	}
	return nil
}

// Transport is an http.RoundTripper that validates every request and
// response passing through it and reports each violation to Fail (for
// example testing.T.Errorf).
type Transport struct {
	Base      http.RoundTripper
	Validator *Validator
	Fail      func(format string, args ...any)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	if err := t.Validator.ValidateRequest(req, reqBody); err != nil {
		t.Fail("contract: %v", err)
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.Validator.ValidateResponse(req, resp.StatusCode, resp.Header, body); err != nil {
		t.Fail("contract: %v", err)
	}
	return resp, nil
}

// Handler wraps a server handler so that every response it writes is
// validated (requests are validated too unless SkipRequest says so, for
// tests that send deliberately malformed requests).
type Handler struct {
	Next        http.Handler
	Validator   *Validator
	Fail        func(format string, args ...any)
	SkipRequest func(*http.Request) bool
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if h.SkipRequest == nil || !h.SkipRequest(req) {
		if err := h.Validator.ValidateRequest(req, body); err != nil {
			h.Fail("contract: %v", err)
		}
	}
	rec := httptest.NewRecorder()
	h.Next.ServeHTTP(rec, req)
	if err := h.Validator.ValidateResponse(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		h.Fail("contract: %v", err)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
