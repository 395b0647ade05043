// Package version reports the build version of the dashboard binaries.
package version

import "runtime/debug"

// Version is stamped at link time with
// -ldflags "-X github.com/runai-tools/sa-dashboard/internal/version.Version=v1.2.3".
// When it is not stamped, the module version or VCS revision from the build
// info is used, so a `go run` build still says what it is.
var Version = ""

// Name is the product name used in the User-Agent and in logs.
const Name = "runai-sa-dashboard"

// String returns the version, never empty.
func String() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

// UserAgent is the User-Agent the dashboard sends upstream.
func UserAgent() string { return Name + "/" + String() }
