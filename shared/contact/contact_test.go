package contact_test

import (
	"bytes"
	"strings"
	"testing"

	"tipline/shared/contact"
)

func keeper(t *testing.T, seal bool) *contact.Keeper {
	t.Helper()
	var key []byte
	if seal {
		key = bytes.Repeat([]byte{9}, 32)
	}
	k, err := contact.NewKeeper([]byte("a-secret-of-at-least-16-bytes"), key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyIsStableAndHidesTheNumber(t *testing.T) {
	k := keeper(t, true)
	a, b := k.Key("+51987654321"), k.Key("+51987654321")
	if a != b || len(a) != 64 || strings.Contains(a, "987654321") {
		t.Errorf("Key() = %q and %q, want one 64-hex-digit key without the number", a, b)
	}
	if k.Key("+51987654322") == a {
		t.Errorf("two numbers share a key")
	}
	other, _ := contact.NewKeeper([]byte("another-secret-of-16-bytes"), nil)
	if other.Key("+51987654321") == a {
		t.Errorf("the key does not depend on the secret")
	}
}

func TestSealOpens(t *testing.T) {
	k := keeper(t, true)
	sealed, err := k.Seal("whatsapp:+51987654321", "rk1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("987654321")) {
		t.Fatalf("sealed address contains the number")
	}
	again, _ := k.Seal("whatsapp:+51987654321", "rk1")
	if bytes.Equal(sealed, again) {
		t.Errorf("two seals of one address are equal: the nonce is not fresh")
	}
	tests := []struct {
		name    string
		sealed  []byte
		rk      string
		want    string
		wantErr bool
	}{
		{"the right reporter opens it", sealed, "rk1", "whatsapp:+51987654321", false},
		{"another reporter's key does not", sealed, "rk2", "", true},
		{"a flipped byte does not", append(append([]byte{}, sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1), "rk1", "", true},
		{"a short value does not", sealed[:5], "rk1", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := k.Open(tc.sealed, tc.rk)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("Open() = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestAnonymousModeKeepsNothing(t *testing.T) {
	k := keeper(t, false)
	if !k.Anonymous() {
		t.Fatalf("a keeper without a sealing key is not anonymous")
	}
	sealed, err := k.Seal("+51987654321", "rk")
	if sealed != nil || err != nil {
		t.Errorf("Seal() in anonymous mode = %v, %v; want nothing", sealed, err)
	}
	if _, err := k.Open([]byte("x"), "rk"); err == nil {
		t.Errorf("Open() in anonymous mode succeeded")
	}
}

func TestBadKeys(t *testing.T) {
	if _, err := contact.NewKeeper([]byte("short"), nil); err == nil {
		t.Errorf("a 5-byte secret was accepted")
	}
	if _, err := contact.NewKeeper([]byte("a-secret-of-at-least-16-bytes"), []byte("16-byte-key-only")); err == nil {
		t.Errorf("a 16-byte sealing key was accepted")
	}
	for _, s := range []string{"", "not base64", "c2hvcnQ="} {
		if _, err := contact.DecodeKey(s); err == nil {
			t.Errorf("DecodeKey(%q) succeeded", s)
		}
	}
	hex := strings.Repeat("ab", 32)
	if k, err := contact.DecodeKey(hex); err != nil || len(k) != 32 {
		t.Errorf("DecodeKey(64 hex digits) = %d bytes, %v", len(k), err)
	}
}
