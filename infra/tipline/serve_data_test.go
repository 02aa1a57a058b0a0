package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"tipline/shared/staff"
)

func TestServeDataFolder(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("TIPLINE_CACHE", cache)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"by default the data lives in the cache folder", nil, filepath.Join(cache, "data")},
		{"-data puts it elsewhere", []string{"-data", "/srv/tipline"}, "/srv/tipline"},
		{"-ephemeral keeps it in memory", []string{"-ephemeral"}, ""},
		{"with a DynamoDB endpoint that DynamoDB keeps it", []string{"-dynamodb-endpoint", "http://127.0.0.1:8000"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DYNAMODB_ENDPOINT", "")
			c, err := parseServe(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.Local.DataDir != tc.want {
				t.Errorf("got data folder %q, want %q", c.Local.DataDir, tc.want)
			}
		})
	}
}

// stackIn runs serve's stack on data folder dir until the returned stop.
func stackIn(t *testing.T, dir, keyFile string) (*httptest.Server, func()) {
	t.Helper()
	for _, name := range []string{"DYNAMODB_ENDPOINT", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "TWILIO_API_URL", "ANONYMOUS_MODE"} {
		t.Setenv(name, "")
	}
	c, err := parseServe([]string{"-staff-token-key", keyFile, "-sweep-every", "50ms", "-data", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	c.PublicBaseURL = "http://" + srv.Listener.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	h, closeDB, err := startStack(ctx, c, slog.New(slog.NewJSONHandler(io.Discard, nil)), &wg, io.Discard)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			srv.Close()
			cancel()
			wg.Wait()
			closeDB()
		}
	}
	t.Cleanup(stop)
	return srv, stop
}

// A restart of serve keeps every tip it answered and their alerts.
func TestServeKeepsItsDataAcrossARestart(t *testing.T) {
	dir, keyFile := t.TempDir(), filepath.Join(t.TempDir(), "key")
	srv, stop := stackIn(t, dir, keyFile)
	const tips = 5
	for i := range tips {
		postSigned(t, srv, fmt.Sprintf("SM000000000000000000000000000d%04d", i), fmt.Sprintf("+5198765%04d", i),
			"Auxilio, en un bar de La Pampa km 108 en Madre de Dios tienen encerradas a dos chicas de 15 años")
	}
	before := alertsOf(t, srv, keyFile, tips)
	stop()

	srv, _ = stackIn(t, dir, keyFile)
	after := alertsOf(t, srv, keyFile, tips)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("got tips and alerts %v after the restart, want %v", after, before)
	}
}

// alertsOf waits until want tips are forwarded and all their alerts sent,
// and returns each tip's reference with its alerts' authorities.
func alertsOf(t *testing.T, srv *httptest.Server, keyFile string, want int) map[string][]string {
	t.Helper()
	key, err := localKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	token, err := staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience}.Issue("test", staff.RoleAdmin, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, out any) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var list struct {
			Tips []struct{ ID, Ref, Status string } `json:"tips"`
		}
		get("/api/tips?limit=100", &list)
		forwarded := 0
		for _, tp := range list.Tips {
			if tp.Status == "forwarded" {
				forwarded++
			}
		}
		if len(list.Tips) == want && forwarded == want {
			out, settled := map[string][]string{}, true
			for _, tp := range list.Tips {
				var d struct {
					Alerts []struct {
						AuthorityID string `json:"authority_id"`
						Status      string `json:"status"`
					} `json:"alerts"`
				}
				get("/api/tips/"+tp.ID, &d)
				for _, a := range d.Alerts {
					out[tp.Ref] = append(out[tp.Ref], a.AuthorityID+":"+a.Status)
					settled = settled && a.Status == "sent"
				}
				slices.Sort(out[tp.Ref])
			}
			if settled {
				return out
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d tips, %d forwarded; want %d forwarded with their alerts sent", len(list.Tips), forwarded, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
