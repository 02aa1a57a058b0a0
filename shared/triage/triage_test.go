package triage

import (
	"slices"
	"strings"
	"testing"

	"tipline/shared/tip"
)

func TestDecide(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name     string
		text     string
		urgency  tip.Urgency
		category string // "" to skip
		minor    bool
		region   string // "-" to skip
	}{
		{"a victim locked in now asking for help is critical",
			"ayudenme estoy encerrada en un cuarto con candado en un bar de mazuko, me quitaron el dni", tip.Critical, "", false, "PE-MDD"},
		{"a child offered to miners tonight in La Rinconada is critical",
			"en la rinconada ahorita tienen a una niña de 13 en una cantina atendiendo a los mineros, llamen a la policia", tip.Critical, "sexual", true, "PE-PUN"},
		{"minors about to board a boat in an hour are critical",
			"en el puerto de yurimaguas un señor va a subir a 6 chibolos a una lancha a iquitos, zarpa en una hora, les quitaron sus dni", tip.Critical, "", true, "PE-LOR"},
		{"debt and documents in a roadside bar are high",
			"en el km 107 de la interoceanica hay un bar donde las chicas deben el pasaje y el dueño les guarda el dni, atienden a mineros todas las noches", tip.High, "sexual", false, "PE-MDD"},
		{"unpaid workers in a logging camp are high",
			"mi primo esta en un campamento maderero en requena, el patron no les paga hace 3 meses y dice que deben la comida", tip.High, "labor", false, "PE-LOR"},
		{"children begging for a woman at night are high",
			"en la plaza de armas de arequipa unos niños de 6 años piden plata hasta la medianoche y una señora les quita todo", tip.High, "other", true, "PE-ARE"},
		{"a suspicious job offer is medium",
			"a mi hermana le ofrecieron trabajo de anfitriona en chala con pasaje pagado, sera trata?", tip.Medium, "", false, "PE-ARE"},
		{"a past case is medium",
			"hace 3 años me llevaron engañada a un bar en la pampa y me obligaban a atender clientes, ya escape. quiero denunciar", tip.Medium, "sexual", false, "PE-MDD"},
		{"a missing teenager after an online job offer is medium",
			"mi sobrina de dieciseis años desaparecio hace una semana en sicuani, un tipo le ofrecia trabajo por facebook", tip.Medium, "", true, "PE-CUS"},
		{"a greeting is low", "buenas tardes", tip.Low, "none", false, ""},
		{"a question about the campaign is low", "hola, donde consigo afiches de la campaña para mi colegio?", tip.Low, "none", false, "-"},
		{"spam is low", "GANA DINERO desde tu casa!! escribe ya al wa.me/51999", tip.Low, "none", false, ""},
		{"domestic violence without trafficking is low", "mi esposo me pega, a donde denuncio?", tip.Low, "none", false, "-"},
		{"an English report of a child taken from a bar now is critical",
			"I'm in Iquitos, right now a foreign guy is leaving a bar with a girl who looks about 12, they are getting into a taxi. Please send police", tip.Critical, "sexual", true, "PE-LOR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.Decide(tt.text)
			if d.Urgency != tt.urgency {
				t.Errorf("urgency = %s, want %s; reasons %q", d.Urgency, tt.urgency, d.Reasons)
			}
			if tt.category != "" && d.Category != tt.category {
				t.Errorf("category = %s, want %s; reasons %q", d.Category, tt.category, d.Reasons)
			}
			if d.Minor != tt.minor {
				t.Errorf("minor = %v, want %v; reasons %q", d.Minor, tt.minor, d.Reasons)
			}
			if tt.region != "-" && d.Region != tt.region {
				t.Errorf("region = %q (%s), want %q", d.Region, d.Place, tt.region)
			}
		})
	}
}

func TestNegationAndHedging(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name    string
		text    string
		urgency tip.Urgency
		minor   bool
	}{
		{"a negated beating does not make danger now",
			"trabajo en una casa en surco, la señora me quito el dni y no me paga hace meses. no me pega pero no me deja salir", tip.High, false},
		{"a hedge never erases danger",
			"no creo que sea trata pero a mi vecina de 15 la tienen encerrada con candado en un hostal de juliaca y ahorita le estan pegando", tip.Critical, true},
		{"\"no es urgente\" does not lower a child in exploitation",
			"no es urgente, pero en una chacra de quillabamba trabajan dos niños de 12 todo el dia y no van al colegio", tip.High, true},
		{"a denied engaño in a legitimate question stays low",
			"quiero trabajar en una mina formal, como se si la empresa es legal y no es engaño?", tip.Low, false},
		{"\"no tienen ni 15\" is an age, not a negation",
			"en la cantina de la rinconada hay chicas que no tienen ni 15, las hacen tomar con los mineros", tip.High, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.Decide(tt.text)
			if d.Urgency != tt.urgency || d.Minor != tt.minor {
				t.Errorf("got %s minor=%v, want %s minor=%v; reasons %q", d.Urgency, d.Minor, tt.urgency, tt.minor, d.Reasons)
			}
		})
	}
}

func TestMinorsInDigitsAndWords(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		text string
		want bool
	}{
		{"en un bar de mazuko obligan a una chica de quince años a atender clientes", true},
		{"en un bar de mazuko obligan a mi hija de 16 a atender clientes", true},
		{"en un bar de mazuko obligan a chicas de catorce o quince años a atender clientes", true},
		{"en un bar de mazuko obligan a una adolescente a atender clientes", true},
		{"en un bar de mazuko obligan a unas colegialas a atender clientes", true},
		{"en un bar de mazuko obligan a unas chibolas a atender clientes", true},
		{"en un bar de mazuko la wawa de mi vecina esta obligada a atender clientes", true},
		{"in a bar in Mazuko they force a 15-year-old girl to attend clients", true},
		{"en un bar de mazuko obligan a una chica de 25 años a atender clientes", false},
		{"en un bar de mazuko obligan a mi prima a atender clientes hace 2 años que esta ahi, le deben 15 mil soles", false},
	}
	for _, tt := range tests {
		if got := e.Decide(tt.text); got.Minor != tt.want {
			t.Errorf("Decide(%q).Minor = %v, want %v; reasons %q", tt.text, got.Minor, tt.want, got.Reasons)
		}
	}
}

func TestGazetteerToleratesMisspellings(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		text, region string
	}{
		{"tienen chicas encerradas en un bar de Mazucco", "PE-MDD"},
		{"tienen chicas encerradas en un bar de Puerto Maldonao", "PE-MDD"},
		{"tienen chicas encerradas en un bar de pto maldonado", "PE-MDD"},
		{"tienen chicas encerradas en un bar de la Rinconda", "PE-PUN"},
		{"tienen chicas encerradas en un bar de Huepetue", "PE-MDD"},
		{"tienen chicas encerradas en un bar del km 110", "PE-MDD"},
		{"tienen chicas encerradas en un bar en Iqitos", "PE-LOR"},
		{"tienen chicas encerradas en un bar en Juliac", "PE-PUN"},
		{"tienen chicas encerradas en un bar en Cuzco", "PE-CUS"},
		{"tienen chicas encerradas en un hostal de Huanchac", "PE-CUS"},
		{"tienen chicas encerradas en un bar en Chiclayo", "PE-LAM"},
		{"tienen chicas encerradas en un hostal del jr. Moquegua en Juliaca", "PE-PUN"},
		{"en el hostal de wanchaq una señora tiene encerradas a 2 chicas y mañana las lleva a mazuko", "PE-CUS"},
		{"mi tio estuvo en un taller en Sao Paulo sin pago, ya volvio a Lima", ""},
	}
	for _, tt := range tests {
		if got := e.Decide(tt.text); got.Region != tt.region {
			t.Errorf("Decide(%q).Region = %q (%s), want %q", tt.text, got.Region, got.Place, tt.region)
		}
	}
}

func TestLanguage(t *testing.T) {
	e := mustEngine(t)
	tests := []struct{ text, want string }{
		{"hola, en el bar tienen chicas encerradas", "es"},
		{"Hi, there is a girl locked in a room at the hostel", "en"},
		{"allillanchu, imaynallam kachkankichik?", "qu"},
		{"kamisaki jilatanaka, jallalla", "ay"},
		{"mamay yanapaway, mi wawa esta encerrada en la cocina, manam kutimuyta atinchu", "mixed"},
		{"jilata yanapt'ita, mi kullaka esta en una cantina", "mixed"},
		{"", "es"},
	}
	for _, tt := range tests {
		if got := e.Decide(tt.text).Language; got != tt.want {
			t.Errorf("Decide(%q).Language = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestReasonsNameTheWords(t *testing.T) {
	d := mustEngine(t).Decide("mi hija de 14 años esta encerrada en un bar de la pampa, ayudenme")
	joined := strings.Join(d.Reasons, "\n")
	for _, want := range []string{`menor de edad: "14 años"`, `"encerrada"`, `"ayudenme"`, `"la pampa"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("reasons %q lack %s", d.Reasons, want)
		}
	}
	if !slices.Contains(d.Indicators, "ilo3_restriction_of_movement") || !slices.Contains(d.Indicators, "minor") {
		t.Errorf("indicators %q lack ilo3_restriction_of_movement or minor", d.Indicators)
	}
}

func TestMergeNeverLowersUrgency(t *testing.T) {
	levels := []tip.Urgency{tip.Critical, tip.High, tip.Medium, tip.Low}
	for _, prev := range levels {
		for _, next := range levels {
			p := tip.Triage{Urgency: prev, Category: "sexual", Minor: prev == tip.Critical, ImmediateDanger: prev == tip.Critical, Region: "PE-MDD", Place: "La Pampa"}
			n := tip.Triage{Urgency: next, Category: "none", Region: "", Reportable: next.Reportable()}
			if next != tip.Low {
				n.Category = "unknown"
			}
			got := Merge(p, n)
			want := tip.Max(prev, next)
			if got.Urgency != want {
				t.Errorf("Merge(%s, %s).Urgency = %s, want %s", prev, next, got.Urgency, want)
			}
			if got.Reportable != want.Reportable() {
				t.Errorf("Merge(%s, %s).Reportable = %v, want %v", prev, next, got.Reportable, want.Reportable())
			}
			if got.Minor != p.Minor || got.ImmediateDanger != p.ImmediateDanger {
				t.Errorf("Merge(%s, %s) lost minor/danger: got %v/%v", prev, next, got.Minor, got.ImmediateDanger)
			}
			if got.Region != "PE-MDD" || got.Place != "La Pampa" {
				t.Errorf("Merge(%s, %s) region = %q %q, want the earlier PE-MDD La Pampa", prev, next, got.Region, got.Place)
			}
			if got.Urgency != tip.Low && got.Category == "none" {
				t.Errorf("Merge(%s, %s) category none with urgency %s", prev, next, got.Urgency)
			}
		}
	}
}

func TestMergeTakesTheNewRegion(t *testing.T) {
	got := Merge(tip.Triage{Urgency: tip.Medium, Region: "PE-CUS", Place: "Cusco"}, tip.Triage{Urgency: tip.High, Region: "PE-MDD", Place: "Mazuko"})
	if got.Region != "PE-MDD" || got.Place != "Mazuko" || got.Urgency != tip.High || !got.Reportable {
		t.Errorf("Merge = %+v, want high, reportable, PE-MDD Mazuko", got)
	}
}

func TestDecideIsSafeForConcurrentUse(t *testing.T) {
	e := mustEngine(t)
	ls := readCorpus(t)
	want := make([]tip.Urgency, len(ls))
	for i, l := range ls {
		want[i] = e.Decide(l.Text).Urgency
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for i, l := range ls {
				if got := e.Decide(l.Text).Urgency; got != want[i] {
					t.Errorf("%s: concurrent urgency %s, want %s", l.ID, got, want[i])
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
