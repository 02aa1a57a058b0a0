package consent_test

import (
	"testing"

	"tipline/shared/consent"
	"tipline/shared/tip"
)

func TestNeeded(t *testing.T) {
	const self = "Trabajo en una mina en Mazuko, me quitaron mi DNI y me dicen que debo el pasaje"
	adult := tip.Triage{Urgency: tip.High, Reportable: true}
	tests := []struct {
		name string
		tr   tip.Triage
		text string
		want bool
	}{
		{"an adult victim writing in the first person is asked", adult, self, true},
		{"accents and capitals do not matter", adult, "ME ENGAÑARON con un trabajo en Puerto Maldonado", true},
		{"a minor is forwarded without asking", tip.Triage{Urgency: tip.High, Reportable: true, Minor: true}, self, false},
		{"danger now is forwarded without asking", tip.Triage{Urgency: tip.Critical, Reportable: true, ImmediateDanger: true}, self, false},
		{"a witness's report is forwarded without asking", adult, "vi a unas chicas en un bar de Mazuko", false},
		{"a tip that is not reportable is never asked about", tip.Triage{Urgency: tip.Low}, self, false},
		{"a phrase matches whole words only", adult, "el tema de mi jefecito", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := consent.Needed(tc.tr, tc.text); got != tc.want {
				t.Errorf("Needed(%+v, %q) = %v, want %v", tc.tr, tc.text, got, tc.want)
			}
		})
	}
}

func TestPendingUntilTheReporterSaysYes(t *testing.T) {
	tp := &tip.Tip{Text: "me obligan a trabajar sin pago en Mazuko", Triage: tip.Triage{Urgency: tip.High, Reportable: true}}
	for _, tc := range []struct {
		name string
		c    tip.Consent
		want bool
	}{
		{"never asked: pending", tip.ConsentNone, true},
		{"asked without answer: pending", tip.ConsentAsked, true},
		{"refused: still pending, nobody is told", tip.ConsentRefused, true},
		{"given: no longer pending", tip.ConsentGiven, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := consent.Pending(tp, tip.Route{Consent: tc.c}); got != tc.want {
				t.Errorf("Pending(consent %q) = %v, want %v", tc.c, got, tc.want)
			}
		})
	}
}
