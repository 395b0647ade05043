package handlers

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// SSO says which headers an SSO reverse proxy sets and who may use the
// dashboard. The headers are believed only from TrustedProxies. The zero
// value takes oauth2-proxy's header names and allows everyone.
type SSO struct {
	UserHeader   string // default X-Forwarded-User
	EmailHeader  string // default X-Forwarded-Email
	GroupsHeader string // default X-Forwarded-Groups (comma-separated)
	PrefixHeader string // default X-Forwarded-Prefix: the path the proxy serves us under
	// TokenHeader, when set, names a header (such as X-Forwarded-Access-Token)
	// whose bearer token is used for the Run:ai API: no sign-in page then.
	TokenHeader string
	// AllowedEmails and AllowedGroups, when either is set, admit only those
	// SSO identities; others get a 403 page.
	AllowedEmails []string
	AllowedGroups []string
}

// The SSO headers' default names: oauth2-proxy's.
const (
	DefaultUserHeader   = "X-Forwarded-User"
	DefaultEmailHeader  = "X-Forwarded-Email"
	DefaultGroupsHeader = "X-Forwarded-Groups"
	DefaultPrefixHeader = "X-Forwarded-Prefix"
)

func (s SSO) withDefaults() SSO {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&s.UserHeader, DefaultUserHeader)
	def(&s.EmailHeader, DefaultEmailHeader)
	def(&s.GroupsHeader, DefaultGroupsHeader)
	def(&s.PrefixHeader, DefaultPrefixHeader)
	return s
}

// identity is who the SSO proxy says is asking.
type identity struct {
	User   string
	Email  string
	Groups []string
}

// key identifies the person for session binding; empty without SSO.
func (i identity) key() string {
	switch {
	case i.Email != "":
		return "email:" + strings.ToLower(i.Email)
	case i.User != "":
		return "user:" + i.User
	}
	return ""
}

// display names the person in the page header and the audit log.
func (i identity) display() string {
	if i.Email != "" {
		return i.Email
	}
	return i.User
}

// Keys of what readProxyHeaders leaves on the Echo context.
const (
	identityKey    = "sso_identity"
	prefixKey      = "link_prefix"
	headerTokenKey = "header_token"
)

func identityOf(c echo.Context) identity {
	id, _ := c.Get(identityKey).(identity)
	return id
}

// prefix is the path every link and redirect of this request starts with:
// the proxy's X-Forwarded-Prefix (when it strips it before forwarding)
// followed by the configured base path.
func (h *handler) prefix(c echo.Context) string {
	if p, ok := c.Get(prefixKey).(string); ok {
		return p
	}
	return h.BasePath
}

// link writes a dashboard link under this request's prefix.
func (h *handler) link(c echo.Context, p paths.Path) string { return p.Under(h.prefix(c)) }

// ipExtractor trusts X-Forwarded-For only from the configured proxies.
func (h *handler) ipExtractor() echo.IPExtractor {
	if len(h.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range h.TrustedProxies {
		_, n, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// fromTrustedProxy reports whether the TCP peer is a configured proxy.
func (h *handler) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range h.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// isHTTPS reports whether the browser reached us over HTTPS, directly or
// through a trusted proxy that says so in X-Forwarded-Proto.
func (h *handler) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if h.PublicURL != nil && h.PublicURL.Scheme == "https" {
		return true
	}
	return h.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// origin is the origin state-changing requests must come from.
func (h *handler) origin(r *http.Request) string {
	if h.PublicURL != nil {
		return h.PublicURL.Scheme + "://" + h.PublicURL.Host
	}
	scheme := "http"
	if h.isHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// headerValue cleans a header value from the proxy: one line, bounded.
func headerValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 512 || strings.ContainsAny(v, "\r\n\x00") {
		return ""
	}
	return v
}

// readProxyHeaders takes identity, prefix and (optionally) token from a
// trusted proxy's headers. From any other peer they are ignored, and the
// attempt is logged as a security event.
func (h *handler) readProxyHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		s := h.SSO
		if !h.fromTrustedProxy(r) {
			for _, name := range []string{s.UserHeader, s.EmailHeader, s.GroupsHeader, s.TokenHeader} {
				if name != "" && r.Header.Get(name) != "" {
					h.securityEvent(c, "proxy headers from an untrusted peer ignored", "header "+name+" from "+r.RemoteAddr)
					break
				}
			}
			return next(c)
		}
		id := identity{User: headerValue(r.Header.Get(s.UserHeader)), Email: headerValue(r.Header.Get(s.EmailHeader))}
		for _, g := range strings.Split(headerValue(r.Header.Get(s.GroupsHeader)), ",") {
			if g = strings.TrimSpace(g); g != "" {
				id.Groups = append(id.Groups, g)
			}
		}
		c.Set(identityKey, id)
		if p := strings.TrimRight(headerValue(r.Header.Get(s.PrefixHeader)), "/"); p != "" {
			if strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, "?#\\\"'<> ") {
				c.Set(prefixKey, p+h.BasePath)
			}
		}
		if s.TokenHeader != "" {
			tok := headerValue(r.Header.Get(s.TokenHeader))
			if t, ok := strings.CutPrefix(tok, "Bearer "); ok {
				tok = t
			}
			if tok != "" && len(tok) <= form.MaxTokenLen {
				c.Set(headerTokenKey, tok)
			}
		}
		return next(c)
	}
}

// checkAllowList admits only the configured emails and groups, when any
// are configured.
func (h *handler) checkAllowList(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if len(h.SSO.AllowedEmails) == 0 && len(h.SSO.AllowedGroups) == 0 {
			return next(c)
		}
		id := identityOf(c)
		if id.Email != "" && slices.ContainsFunc(h.SSO.AllowedEmails, func(e string) bool { return strings.EqualFold(e, id.Email) }) {
			return next(c)
		}
		for _, g := range id.Groups {
			if slices.Contains(h.SSO.AllowedGroups, g) {
				return next(c)
			}
		}
		return &errNotAllowed{who: id.display()}
	}
}
