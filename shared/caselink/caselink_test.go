package caselink_test

import (
	"strings"
	"testing"
	"time"

	"tipline/shared/alert"
	"tipline/shared/caselink"
	"tipline/shared/tip"
)

var (
	t0     = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	claim  = caselink.Claim{TipID: "01JD2Z3Y4X5W6V7T8S9R0QPNMK", AuthorityID: "fistrap-mdd", Contact: 1, Issued: t0}
	signer = func(now time.Time) caselink.Signer {
		return caselink.Signer{Key: caselink.Key([]byte("a deployment secret of enough length")), Now: func() time.Time { return now }}
	}
)

func TestVerify(t *testing.T) {
	tok, err := signer(t0).Token(claim)
	if err != nil {
		t.Fatal(err)
	}
	flip := []byte(tok)
	flip[len(flip)/2] ^= 1
	other := caselink.Signer{Key: caselink.Key([]byte("another deployment's secret....")), Now: func() time.Time { return t0 }}
	tests := []struct {
		name   string
		s      caselink.Signer
		token  string
		want   error
		claims bool
	}{
		{"a fresh link names its tip, authority, contact and issue time", signer(t0.Add(time.Hour)), tok, nil, true},
		{"a link works until 72 hours after it was issued", signer(t0.Add(72 * time.Hour)), tok, nil, true},
		{"a link older than 72 hours has expired", signer(t0.Add(72*time.Hour + time.Second)), tok, caselink.ErrExpired, false},
		{"a configured lifetime is kept", caselink.Signer{Key: signer(t0).Key, TTL: time.Hour, Now: func() time.Time { return t0.Add(2 * time.Hour) }}, tok, caselink.ErrExpired, false},
		{"a changed character makes the link invalid", signer(t0), string(flip), caselink.ErrInvalid, false},
		{"a cut link is invalid", signer(t0), tok[:len(tok)-3], caselink.ErrInvalid, false},
		{"another deployment's key does not verify it", other, tok, caselink.ErrInvalid, false},
		{"garbage is invalid", signer(t0), "not-a-token!", caselink.ErrInvalid, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.s.Verify(tc.token)
			if err != tc.want {
				t.Fatalf("Verify() error = %v, want %v", err, tc.want)
			}
			if tc.claims && c != claim {
				t.Errorf("Verify() = %+v, want %+v", c, claim)
			}
		})
	}
	if len(tok) > 70 {
		t.Errorf("the token is %d characters long: too long for an SMS", len(tok))
	}
}

func TestRevoked(t *testing.T) {
	rev := func(at time.Time, authority, contact string) tip.Audit {
		return tip.Audit{At: at, Action: caselink.ActionRevoked, Detail: map[string]string{"authority": authority, "contact": contact}}
	}
	tests := []struct {
		name  string
		trail []tip.Audit
		want  bool
	}{
		{"a link without revocation works", []tip.Audit{{At: t0, Action: "read"}}, false},
		{"revoking the contact after issue stops the link", []tip.Audit{rev(t0.Add(time.Minute), "fistrap-mdd", "1")}, true},
		{"revoking every contact of the authority stops the link", []tip.Audit{rev(t0.Add(time.Minute), "fistrap-mdd", "all")}, true},
		{"revoking another contact leaves the link", []tip.Audit{rev(t0.Add(time.Minute), "fistrap-mdd", "0")}, false},
		{"revoking another authority leaves the link", []tip.Audit{rev(t0.Add(time.Minute), "pnp-trata-mdd", "all")}, false},
		{"a revocation before the link was issued leaves it", []tip.Audit{rev(t0.Add(-time.Minute), "fistrap-mdd", "all")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := caselink.Revoked(tc.trail, claim); got != tc.want {
				t.Errorf("Revoked() = %v, want %v", got, tc.want)
			}
		})
	}
}

// An alert with its case link stays within three GSM-7 segments, the
// link whole, however long the tip.
func TestAlertWithLinkFitsThreeSegments(t *testing.T) {
	x, err := alert.LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := signer(t0).Token(claim)
	link := "https://tipline-prod.example.org.pe/case/" + tok
	tp := &tip.Tip{Ref: "K7Q3MX", Text: strings.Repeat("en el bar de Mazuko obligan a trabajar a chicas menores de edad ", 20),
		Triage: tip.Triage{Urgency: tip.Critical, Category: tip.CategorySexual, Minor: true, Region: "PE-MDD", Place: "Mazuko"}}
	got := x.ComposeWithLink(tp, "Equipo Tipline +51900000999", link)
	if !strings.HasSuffix(got, link) || !strings.Contains(got, "OK K7Q3MX") {
		t.Errorf("the alert lacks the whole link or how to confirm: %q", got)
	}
	if n, gsm := alert.Segments(got); n > alert.MaxSegments || !gsm {
		t.Errorf("the alert takes %d segments (GSM-7 %v), want at most %d", n, gsm, alert.MaxSegments)
	}
}
