package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tipline/infra/localdb"
	"tipline/shared/staff"
	"tipline/shared/store"
)

// stagingAPI is the real staff API on the embedded engine, with an admin
// token for it.
func stagingAPI(t *testing.T) (*apiClient, *store.Store) {
	t.Helper()
	db, err := localdb.Embedded(context.Background(), "tipline")
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db, "tipline", nil)
	tokens := staff.LocalTokens{Key: []byte("test-signing-key-0123456789abcdef"), Issuer: staff.LocalIssuer, Audience: staff.LocalAudience}
	h := staff.New(staff.Deps{Store: st, Auth: tokens, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		MediaKey: []byte("media-link-key-0123456789")})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tok, err := tokens.Issue("op", staff.RoleAdmin, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{base: srv.URL, token: tok, http: srv.Client()}, st
}

func TestCampaignCreateRunTwice(t *testing.T) {
	const materials = `
materials:
  - {kind: poster, label: Terminal terrestre, place: Wanchaq}
  - {kind: flyer, label: Mercado San Pedro, place: Cusco, region: PE-CUS}
`
	tests := []struct {
		name, campaign, wantSecond string
	}{
		{"a campaign with an id is matched by its id", `
campaign: {id: cus-2026, name: Terminales de Cusco, regions: [PE-CUS], start: "2026-11-01", numbers: ["+51900000000"]}`,
			"campaign cus-2026 already exists (same id)"},
		{"a campaign without an id is matched by its name and start date", `
campaign: {name: Terminales de Cusco, regions: [PE-CUS], start: "2026-11-01", numbers: ["+51900000000"]}`,
			"already exists (same name and start date)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, st := stagingAPI(t)
			file := filepath.Join(t.TempDir(), "campaign.yaml")
			if err := os.WriteFile(file, []byte(tc.campaign+materials), 0o600); err != nil {
				t.Fatal(err)
			}
			var first, second bytes.Buffer
			if err := campaignCreate(c, file, &first, io.Discard); err != nil {
				t.Fatalf("first run: %v", err)
			}
			if err := campaignCreate(c, file, &second, io.Discard); err != nil {
				t.Fatalf("second run: %v", err)
			}
			if !strings.Contains(first.String(), "2 materials created, 0 already present") {
				t.Errorf("got first run %q, want 2 materials created", first.String())
			}
			if !strings.Contains(second.String(), tc.wantSecond) || !strings.Contains(second.String(), "0 materials created, 2 already present") {
				t.Errorf("got second run %q, want %q and 2 materials already present", second.String(), tc.wantSecond)
			}
			cs, err := st.ListCampaigns(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 {
				t.Fatalf("got %d campaigns, want 1", len(cs))
			}
			ms, err := st.Materials(context.Background(), cs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 2 {
				t.Errorf("got %d materials, want 2", len(ms))
			}
		})
	}
}

func TestMaterialsCSVHeader(t *testing.T) {
	tests := []struct {
		name, csv, want string // want: the first row as kind/label/place/region, or part of the error
	}{
		{"the header names the columns, in any order", "label,kind,region,place\nMercado,flyer,PE-CUS,San Pedro\n", "flyer/Mercado/San Pedro/PE-CUS"},
		{"place and region may be left out", "\ufeffkind,label\nposter,Terminal\n", "poster/Terminal//"},
		{"a file without a header is refused, saying what the header is", "poster,Terminal,Wanchaq\n", "kind,label,place,region"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "m.csv")
			if err := os.WriteFile(file, []byte(tc.csv), 0o600); err != nil {
				t.Fatal(err)
			}
			rows, err := readMaterials(file)
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = strings.Join([]string{rows[0].Kind, rows[0].Label, rows[0].Place, rows[0].Region}, "/")
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
