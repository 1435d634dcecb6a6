//go:build !unix

package devserver

// lockDB does not lock where flock is missing: run one server per file.
func lockDB(string) (func(), error) { return func() {}, nil }
