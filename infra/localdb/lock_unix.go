//go:build unix

package localdb

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir holds an exclusive lock on dir's LOCK file until closed, so two
// serve processes never append to one journal.
func lockDir(dir string) (io.Closer, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("localdb: lock data folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("localdb: data folder %s is in use by another serve (stop it, or give -data another folder)", dir)
	}
	return f, nil
}
