package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestCampaignQRIndexDefusesFormulas(t *testing.T) {
	materials := []material{
		{ID: "m1", Kind: "poster", Label: "=HYPERLINK(\"http://x\",\"clic\")", Place: "Mazuco", Code: "MDD-1A",
			WhatsAppLink: "https://wa.me/51900000000?text=MDD-1A", SMSText: "MDD-1A", QRURL: "/api/materials/m1/qr.png"},
		{ID: "m2", Kind: "flyer", Label: "+51 900 000 000", Place: "@mercado", Code: "MDD-2B", QRURL: "/api/materials/m2/qr.png"},
		{ID: "m3", Kind: "radio", Label: "-10% Cuña", Place: "\tTab", Code: "MDD-3C", QRURL: "/api/materials/m3/qr.png"},
		{ID: "m4", Kind: "poster", Label: "Paradero Año Nuevo", Place: "Puerto Maldonado", Code: "MDD-4D", QRURL: "/api/materials/m4/qr.png"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/campaigns/c1", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(campaignDoc{ID: "c1", Name: "Afiches", Materials: materials})
	})
	mux.HandleFunc("GET /api/materials/{id}/qr.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("PNG of " + r.PathValue("id")))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	if err := writeQRs(&apiClient{base: srv.URL, token: "t", http: srv.Client()}, "c1", dir, 8, io.Discard, io.Discard); err != nil {
		t.Fatalf("writeQRs: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "index.csv"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("index.csv starts with a UTF-8 byte order mark", func(t *testing.T) {
		if !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
			t.Errorf("first bytes % x, want ef bb bf", raw[:min(3, len(raw))])
		}
	})
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatalf("index.csv is not CSV: %v", err)
	}
	if len(rows) != len(materials)+1 {
		t.Fatalf("%d rows, want a header and %d materials", len(rows), len(materials))
	}
	for i, tc := range []struct {
		name         string
		label, place string
	}{
		{"a label starting with = gets an apostrophe", "'=HYPERLINK(\"http://x\",\"clic\")", "Mazuco"},
		{"a label starting with + and a place starting with @ get an apostrophe", "'+51 900 000 000", "'@mercado"},
		{"a label starting with - and a place starting with a tab get an apostrophe", "'-10% Cuña", "'\tTab"},
		{"plain cells with accents are kept as they are", "Paradero Año Nuevo", "Puerto Maldonado"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := rows[i+1]
			if row[2] != tc.label || row[3] != tc.place {
				t.Errorf("label %q, place %q; want %q, %q", row[2], row[3], tc.label, tc.place)
			}
			if row[0] != materials[i].Code || row[4] != materials[i].Code+".png" {
				t.Errorf("code %q, file %q; want %q, %q", row[0], row[4], materials[i].Code, materials[i].Code+".png")
			}
		})
	}
}

func TestCampaignQRRefusesCodesThatAreNotCodes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/campaigns/c1", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(campaignDoc{ID: "c1", Materials: []material{{ID: "m1", Code: "../../evil", QRURL: "/api/materials/m1/qr.png"}}})
	})
	mux.HandleFunc("GET /api/materials/{id}/qr.png", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("PNG")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	parent := t.TempDir()
	dir := filepath.Join(parent, "qr", "out")
	err := writeQRs(&apiClient{base: srv.URL, token: "t", http: srv.Client()}, "c1", dir, 8, io.Discard, io.Discard)
	if err == nil {
		t.Fatalf("writeQRs accepted the code ../../evil")
	}
	if _, err := os.Stat(filepath.Join(parent, "evil.png")); err == nil {
		t.Errorf("a file was written outside the output folder")
	}
}
