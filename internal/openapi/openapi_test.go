package openapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestValidatorRejects proves the contract checks can fail: each case is a
// response or request the documents forbid.
func TestValidatorRejects(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	jsonH := http.Header{"Content-Type": {"application/json"}}
	account := `{"name":"a","createdBy":"x","createdAt":null,"updatedAt":null,"enabled":true,"lastLogin":null,"id":"1","clientId":"c"}`
	resp := []struct {
		name, method, path string
		status             int
		body               string
		ok                 bool
	}{
		{"valid list", "GET", "/api/v1/service-accounts", 200, "[" + account + "]", true},
		{"account without clientId", "GET", "/api/v1/service-accounts", 200, `[{"name":"a","createdBy":"x","createdAt":null,"updatedAt":null,"enabled":true,"lastLogin":null,"id":"1"}]`, false},
		{"numeric tenantId", "GET", "/api/v1/service-accounts/1", 200, strings.Replace(account, `"id"`, `"tenantId":7,"id"`, 1), false},
		{"error without code", "GET", "/api/v1/service-accounts", 401, `{"message":"x"}`, false},
		{"valid error", "GET", "/api/v1/service-accounts", 401, `{"code":401,"message":"x"}`, true},
		{"undocumented status", "GET", "/api/v1/service-accounts", 418, `{"code":418,"message":"x"}`, false},
		{"409 on list", "GET", "/api/v1/service-accounts", 409, `{"code":409,"message":"x"}`, false},
		{"create without secret", "POST", "/api/v1/service-accounts", 201, `{"id":"1","name":"a"}`, false},
		{"204 with body", "DELETE", "/api/v1/service-accounts/1", 204, `{}`, false},
		{"v2 token without expires_in", "POST", "/api/v2/token", 200, `{"access_token":"t","token_type":"Bearer"}`, false},
		{"v2 token", "POST", "/api/v2/token", 200, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`, true},
		{"v1 token", "POST", "/api/v1/token", 200, `{"accessToken":"t","refreshToken":"r"}`, true},
		{"rules", "GET", "/api/v1/authorization/access-rules", 200, `{"totalRecords":0,"displayRecords":0,"accessRules":[]}`, true},
		{"rules without total", "GET", "/api/v1/authorization/access-rules", 200, `{"accessRules":[]}`, false},
		{"rule without roleName", "GET", "/api/v1/authorization/access-rules/5", 200, `{"id":5,"subjectId":"s","subjectType":"service-account","roleId":1,"scopeId":"1","scopeType":"tenant","scopeName":"t","tenantId":1,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","createdBy":"x"}`, false},
		{"duplicate rule (undocumented 409)", "POST", "/api/v1/authorization/access-rules", 409, `{"code":409,"message":"exists"}`, true},
		{"undocumented 409 not an Error", "POST", "/api/v1/authorization/access-rules", 409, `<html>`, false},
		{"undocumented status elsewhere", "DELETE", "/api/v1/authorization/access-rules/5", 409, `{"code":409,"message":"x"}`, false},
		{"projects without next", "GET", "/api/v1/org-unit/projects", 200, `{"projects":[]}`, true},
		{"projects item missing fields", "GET", "/api/v1/org-unit/projects", 200, `{"projects":[{"id":"1","name":"p"}]}`, false},
	}
	for _, tt := range resp {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		err := v.ValidateResponse(req, tt.status, jsonH, []byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}

	reqs := []struct {
		name, method, path, ct, body string
		bearer                       bool
		ok                           bool
	}{
		{"create", "POST", "/api/v1/service-accounts", "application/json", `{"name":"ab"}`, true, true},
		{"create bad name", "POST", "/api/v1/service-accounts", "application/json", `{"name":"AB"}`, true, false},
		{"create without token", "POST", "/api/v1/service-accounts", "application/json", `{"name":"ab"}`, false, false},
		{"patch string", "PATCH", "/api/v1/service-accounts/1", "application/json", `{"enabled":"no"}`, true, false},
		{"unknown path", "GET", "/api/v1/other", "", "", true, false},
		{"v2 token as json", "POST", "/api/v2/token", "application/json", `{}`, false, false},
		{"v2 token", "POST", "/api/v2/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=a&client_secret=b", false, true},
	}
	for _, tt := range reqs {
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
		if tt.ct != "" {
			req.Header.Set("Content-Type", tt.ct)
		}
		if tt.bearer {
			req.Header.Set("Authorization", "Bearer x")
		}
		err := v.ValidateRequest(req, []byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
