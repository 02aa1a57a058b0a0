package main

import (
	"errors"
	"testing"
	"time"

	"tipline/shared/reconcile"
)

func TestTheReconcileLoopComesBackSoonAfterAnOutage(t *testing.T) {
	now := time.Date(2026, 11, 20, 22, 15, 0, 0, time.UTC)
	every := 5 * time.Minute
	tests := []struct {
		name string
		res  reconcile.Result
		err  error
		want time.Duration
	}{
		{"a run with nothing waiting waits the interval", reconcile.Result{Recovered: 3}, nil, every},
		{"a failed run is tried again soon", reconcile.Result{}, errors.New("dynamodb unreachable"), retryAfterFailure},
		{"messages waiting for their settle time are read when it passes", reconcile.Result{Waiting: 2, RecheckAt: now.Add(42 * time.Second)}, nil, 42 * time.Second},
		{"a recheck time already past waits a second", reconcile.Result{Waiting: 1, RecheckAt: now.Add(-time.Second)}, nil, time.Second},
		{"a recheck time past the interval waits the interval", reconcile.Result{Waiting: 1, RecheckAt: now.Add(time.Hour)}, nil, every},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextReconcile(tc.res, tc.err, every, now); got != tc.want {
				t.Errorf("nextReconcile() = %v, want %v", got, tc.want)
			}
		})
	}
}
