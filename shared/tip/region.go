package tip

import "slices"

// Regions are the ISO 3166-2:PE codes of Peru's regions, with PE-LMA for
// Lima Metropolitana, as triage assigns them (docs/peru.md lists their
// names and sources).
var Regions = []string{
	"PE-AMA", "PE-ANC", "PE-APU", "PE-ARE", "PE-AYA", "PE-CAJ", "PE-CAL", "PE-CUS", "PE-HUC",
	"PE-HUV", "PE-ICA", "PE-JUN", "PE-LAL", "PE-LAM", "PE-LIM", "PE-LMA", "PE-LOR", "PE-MDD",
	"PE-MOQ", "PE-PAS", "PE-PIU", "PE-PUN", "PE-SAM", "PE-TAC", "PE-TUM", "PE-UCA",
}

// ValidRegion reports whether s is one of Regions, such as PE-CUS.
func ValidRegion(s string) bool { return slices.Contains(Regions, s) }
