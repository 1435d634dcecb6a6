//go:build unix

package devserver

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDB takes an exclusive lock beside the database file. Two servers on
// one file would each run the other's workflows against their own
// sandbox, so a second one is refused.
func lockDB(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, fmt.Errorf("database %s is in use by another lattice-dev: "+
			"stop it, or give this one another --db or --ephemeral", path)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock database: %w", err)
	}
	return func() { f.Close() }, nil
}
