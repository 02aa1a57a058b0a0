package tip

import "testing"

func TestStripAccents(t *testing.T) {
	for in, want := range map[string]string{"niña": "nina", "Código CUS-7K": "Codigo CUS-7K", "Línea 1818": "Linea 1818", "ÁÉÍÓÚÜÑ": "AEIOUUN", "": ""} {
		if got := StripAccents(in); got != want {
			t.Errorf("StripAccents(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFoldAndWords(t *testing.T) {
	tests := []struct {
		name, in, fold, words string
	}{
		{"accents and case fold away", "NIÑA Código", "nina codigo", "nina codigo"},
		{"punctuation becomes one space, trimmed", "¡Sí,  ACK!", "¡si,  ack!", "si ack"},
		{"digits stay", "ACK K7Q3MX.", "ack k7q3mx.", "ack k7q3mx"},
		{"nothing but punctuation is empty", "¿?!", "¿?!", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fold(tc.in); got != tc.fold {
				t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.fold)
			}
			if got := Words(tc.in); got != tc.words {
				t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.words)
			}
		})
	}
}
