// Package arch holds no code: its test reads the module's import graph and
// fails when a package imports one above it.
package arch
