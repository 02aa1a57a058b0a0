package triage

import "testing"

// TestQuechuaCaseEndingsGivePlaceRoles checks that, with no cue word
// before a name, its Quechua case ending says what the place is to the
// situation: -pi where it happens, -man a destination, -manta a place
// the person has left, which counts least; and that a name heading the
// text, alone in its first clause, is where the rest happens.
func TestQuechuaCaseEndingsGivePlaceRoles(t *testing.T) {
	e := mustEngine(t)
	tests := []struct{ name, text, region string }{
		{"a destination beats a place the person has left",
			"Juliacamanta sobrinay Maldonadoman ripurqan", "PE-MDD"},
		{"where she is beats where she was taken from",
			"Cuscomanta sipas 15 años, Mazukopi kachkan", "PE-MDD"},
		{"a name first in its sentence is found through its ending",
			"Arequipapi terminalpi kachkanku", "PE-ARE"},
		{"a place heading the message says where the rest happens",
			"Iquitos: en el colegio de Bellavista captan chicas", "PE-LOR"},
		{"a place alone in the first clause is a heading in Quechua too",
			"Cusco. Limamanta huk señor sipaskunata maskachkan", "PE-CUS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := e.Decide(tc.text); d.Region != tc.region {
				t.Errorf("Decide(%q).Region = %q, want %q", tc.text, d.Region, tc.region)
			}
		})
	}
}
