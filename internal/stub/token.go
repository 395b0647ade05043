package stub

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"mime"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// token serves both token endpoints and returns the identity it issued a
// token to (empty on failure).
func (s *Server) token(w http.ResponseWriter, r *http.Request) string {
	v2 := r.URL.Path == "/api/v2/token"
	if v2 && s.cfg.DisableTokenV2 {
		writeError(w, http.StatusNotFound, "no such endpoint", "POST /api/v2/token")
		return ""
	}
	var grant, clientID, secret string
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if v2 {
		if ct != "application/x-www-form-urlencoded" || r.ParseForm() != nil {
			writeError(w, http.StatusBadRequest, "request must be form-encoded: grant_type, client_id, client_secret", "")
			return ""
		}
		grant, clientID, secret = r.PostForm.Get("grant_type"), r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		var body struct {
			GrantType    string `json:"grantType"`
			ClientID     string `json:"clientId"`
			ClientSecret string `json:"clientSecret"`
		}
		if ct != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
			writeError(w, http.StatusBadRequest, "request must be JSON: grantType, clientId, clientSecret", "")
			return ""
		}
		grant, clientID, secret = body.GrantType, body.ClientID, body.ClientSecret
	}
	if grant != "client_credentials" {
		writeError(w, http.StatusBadRequest, "unsupported grant type: only client_credentials is accepted", "")
		return ""
	}
	if clientID == "" || secret == "" {
		writeError(w, http.StatusBadRequest, "client ID and client secret are required", "")
		return ""
	}
	sess, msg := s.checkCredentials(clientID, secret)
	if msg != "" {
		writeError(w, http.StatusUnauthorized, msg, "")
		s.logTokenExchange(r, clientID, http.StatusUnauthorized)
		return ""
	}
	defer s.logTokenExchange(r, clientID, http.StatusOK)
	tok, err := s.issue(sess, clientID, nil)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not sign token", "")
		return ""
	}
	if v2 {
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": tok, "token_type": "Bearer", "expires_in": int(s.cfg.TokenTTL / time.Second),
		})
	} else {
		writeJSON(w, http.StatusOK, map[string]any{"accessToken": tok})
	}
	return sess.identity
}

// checkCredentials matches a client ID and secret against the admin and the
// service accounts, returning the session to issue or a refusal message.
func (s *Server) checkCredentials(clientID, secret string) (session, string) {
	h := sha256.Sum256([]byte(secret))
	const bad = "invalid client credentials"
	s.mu.Lock()
	defer s.mu.Unlock()
	if clientID == s.cfg.AdminClientID {
		if subtle.ConstantTimeCompare(h[:], s.adminHash[:]) != 1 {
			return session{}, bad
		}
		return session{identity: s.cfg.AdminEmail}, ""
	}
	for _, a := range s.accounts {
		if a.ClientID != clientID {
			continue
		}
		if subtle.ConstantTimeCompare(h[:], a.secretHash[:]) != 1 {
			return session{}, bad
		}
		if !a.Enabled {
			return session{}, "service account is disabled"
		}
		a.LastLogin = s.now()
		return session{identity: serviceIdentity(a.Name), accountID: a.ID}, ""
	}
	return session{}, bad
}

// logTokenExchange records a service account's token exchange (granted
// or refused) in the audit log, as the account signing in; the admin's
// and unknown client IDs' are not recorded.
func (s *Server) logTokenExchange(r *http.Request, clientID string, status int) {
	s.mu.Lock()
	var a *account
	for _, x := range s.accounts {
		if x.ClientID == clientID {
			a = x
			break
		}
	}
	s.mu.Unlock()
	if a == nil {
		return
	}
	s.logChange(r, session{identity: serviceIdentity(a.Name), accountID: a.ID},
		auditNote{action: "sign-in", entityType: EntityServiceAccount, entityID: a.ID, entityName: a.Name}, status)
}

// serviceIdentity is the email-like identity of a service account caller.
func serviceIdentity(name string) string { return name + "@service-accounts.runai.local" }

// issue signs a JWT for sess, shaped like the control plane's (sub,
// email and preferred_username identify the caller), and remembers it.
// extra claims are merged in.
func (s *Server) issue(sess session, subject string, extra map[string]any) (string, error) {
	now := s.now()
	sess.expires = now.Add(s.cfg.TokenTTL)
	claims := jwt.MapClaims{
		"iss": "runai-stub", "sub": subject, "email": sess.identity, "preferred_username": sess.identity,
		"iat": now.Unix(), "exp": sess.expires.Unix(), "jti": uuid.NewString(),
	}
	for k, v := range extra {
		claims[k] = v
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.signKey)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.tokens[sha256.Sum256([]byte(tok))] = sess
	s.mu.Unlock()
	return tok, nil
}

// IssueToken mints an admin token directly, with extra claims merged in
// (tests use it for large tokens or to skip the exchange).
func (s *Server) IssueToken(extra map[string]any) (string, error) {
	return s.issue(session{identity: s.cfg.AdminEmail}, s.cfg.AdminClientID, extra)
}
