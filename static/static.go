// Package static embeds the dashboard's CSS, script, icon and vendored
// htmx, and serves each under a content-hashed name with a one-year cache
// lifetime, gzip-compressed when the browser accepts it.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed app.css app.js favicon.svg vendor/*.js
var files embed.FS

// Logical names of the assets, for URL.
const (
	CSS     = "app.css"
	JS      = "app.js"
	Favicon = "favicon.svg"
	HTMX    = "vendor/htmx-2.0.11.min.js"
)

// Prefix is the path under which assets are served.
const Prefix = "/static/"

type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

var (
	byHashed = map[string]*asset{} // "app.1a2b3c4d5e6f.css" -> asset
	hashed   = map[string]string{} // "app.css" -> "app.1a2b3c4d5e6f.css"
)

func init() {
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:6])
		ext := path.Ext(name)
		hn := strings.TrimSuffix(name, ext) + "." + h + ext
		a := &asset{body: body, contentType: mime.TypeByExtension(ext), etag: `"` + h + `"`}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body) {
			a.gz = buf.Bytes()
		}
		byHashed[hn] = a
		hashed[name] = hn
		return nil
	})
	if err != nil {
		panic("static: " + err.Error())
	}
}

// URL returns the content-hashed path of a logical asset name, relative to
// the site root (callers prefix their base path). It panics on an unknown
// name: that is a programming error caught by any test that renders a page.
func URL(name string) string {
	hn, ok := hashed[name]
	if !ok {
		panic("static: unknown asset " + name)
	}
	return Prefix + hn
}

// Handler serves the assets; mount it at Prefix with the prefix stripped.
// Unknown names (including stale hashes) are 404.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := byHashed[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", a.etag)
		h.Add("Vary", "Accept-Encoding")
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gz != nil && acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}
