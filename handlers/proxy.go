package handlers

import (
	"fmt"
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

// The longest value each proxy header may carry: what real identity
// providers send, with room. A token is as long as a pasted one may be (a
// Run:ai token reaches about 8 KiB); a user in many groups sends several
// KiB of them (40 groups named like "corp-example-platform-team-01" are
// 1.2 KiB; identity providers that send ids send 36 bytes a group); names,
// emails and prefixes are short.
const (
	maxHeaderToken  = form.MaxTokenLen
	maxHeaderGroups = 16 << 10
	maxHeaderShort  = 512
)

// errProxyHeader refuses a request whose trusted proxy sent a header the
// dashboard cannot take as it is: rather than drop it (and, say, ask an
// SSO user to sign in, or refuse a member of an allowed group), the
// request is refused and the reason logged.
type errProxyHeader struct {
	name       string
	size, max  int
	unreadable bool // a line break or NUL in it
}

func (e *errProxyHeader) Error() string {
	if e.unreadable {
		return "proxy header " + e.name + " holds a line break or NUL"
	}
	return fmt.Sprintf("proxy header %s is %d bytes, over its limit of %d", e.name, e.size, e.max)
}

func (e *errProxyHeader) word(p *problem, _ action) {
	p.status, p.event = http.StatusRequestHeaderFieldsTooLarge, "proxy header refused"
	p.Title = "The SSO proxy's " + e.name + " header could not be read"
	p.Detail = fmt.Sprintf("It carried %d bytes; the dashboard accepts up to %d in this header.", e.size, e.max)
	if e.unreadable {
		p.status = http.StatusBadRequest
		p.Detail = "It holds a line break or a NUL character."
	}
	p.Next = "Nothing was done. Tell the dashboard's operators, who should check what the proxy sends in " + e.name + "."
}

// proxyHeader reads a header of the trusted proxy: one line, within max
// bytes, or an *errProxyHeader.
func proxyHeader(r *http.Request, name string, max int) (string, error) {
	if name == "" {
		return "", nil
	}
	v := strings.TrimSpace(r.Header.Get(name))
	switch {
	case strings.ContainsAny(v, "\r\n\x00"):
		return "", &errProxyHeader{name: name, size: len(v), max: max, unreadable: true}
	case len(v) > max:
		return "", &errProxyHeader{name: name, size: len(v), max: max}
	}
	return v, nil
}

// readProxyHeaders takes identity, prefix and (optionally) token from a
// trusted proxy's headers. From any other peer they are ignored, and the
// attempt is logged as a security event. A trusted proxy's header that is
// too long or holds a line break refuses the request.
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
		var errs [5]error
		var user, email, groups, prefix, tok string
		user, errs[0] = proxyHeader(r, s.UserHeader, maxHeaderShort)
		email, errs[1] = proxyHeader(r, s.EmailHeader, maxHeaderShort)
		groups, errs[2] = proxyHeader(r, s.GroupsHeader, maxHeaderGroups)
		prefix, errs[3] = proxyHeader(r, s.PrefixHeader, maxHeaderShort)
		tok, errs[4] = proxyHeader(r, s.TokenHeader, maxHeaderToken+len("Bearer "))
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		id := identity{User: user, Email: email}
		for _, g := range strings.Split(groups, ",") {
			if g = strings.TrimSpace(g); g != "" {
				id.Groups = append(id.Groups, g)
			}
		}
		c.Set(identityKey, id)
		if p := strings.TrimRight(prefix, "/"); p != "" {
			if strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.ContainsAny(p, "?#\\\"'<> ") {
				c.Set(prefixKey, p+h.BasePath)
			}
		}
		if t, ok := strings.CutPrefix(tok, "Bearer "); ok {
			tok = t
		}
		if tok != "" {
			c.Set(headerTokenKey, tok)
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
