package tip

import "testing"

func TestStripAccents(t *testing.T) {
	for in, want := range map[string]string{"niña": "nina", "Código CUS-7K": "Codigo CUS-7K", "Línea 1818": "Linea 1818", "ÁÉÍÓÚÜÑ": "AEIOUUN", "": ""} {
		if got := StripAccents(in); got != want {
			t.Errorf("StripAccents(%q) = %q, want %q", in, got, want)
		}
	}
}
