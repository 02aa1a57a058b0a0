//go:build !unix

package localdb

import "io"

type noLock struct{}

func (noLock) Close() error { return nil }

// lockDir does not lock on systems without flock: do not run two serve
// processes on one data folder there.
func lockDir(string) (io.Closer, error) { return noLock{}, nil }
