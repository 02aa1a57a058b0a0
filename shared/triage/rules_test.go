package triage

import (
	"strings"
	"testing"

	"tipline/shared/tip"
)

// TestGeneralRules checks the rules added so that the engine generalises to
// messages written by other people about other places: each case is a
// situation of docs/peru.md §2, not a sentence of the development set.
func TestGeneralRules(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name     string
		text     string
		urgency  tip.Urgency
		category string // "" to skip
		minor    bool
		region   string // "-" to skip
	}{
		{"minors about to be taken to a mine tonight are critical without any means",
			"van a llevar a unas chicas menores a la mina esta noche, estan en un hotel de juliaca", tip.Critical, "", true, "PE-PUN"},
		{"girls taken out of a lodging tonight toward a mine are critical and placed where they are",
			"esta noche van a sacar a 3 chicas del hostal en la av. la cultura en cusco para llevarlas a la mina, son menores", tip.Critical, "", true, "PE-CUS"},
		{"a group of children boarded on a truck tomorrow toward a logging camp is critical",
			"mañana temprano suben a unos chibolos a un camion en atalaya pa llevarlos a un aserradero", tip.Critical, "", true, "PE-UCA"},
		{"an offer to take children to work, without a date, stays medium",
			"una señora de la comunidad quiere llevarse a mi hija de 12 a trabajar a lima, ofrece plata", tip.Medium, "", true, "-"},
		{"an owner beating a teenage worker right now is critical",
			"el dueño del hostal en huaycan golpea a la chica que trabaja ahi, ahorita la esta pegando, tiene como 16", tip.Critical, "", true, "PE-LMA"},
		{"a foreman hitting farm labourers now is critical",
			"el capataz del fundo en chincha esta golpeando a los peones, no les pagan hace meses", tip.Critical, "labor", false, "PE-ICA"},
		{"a child seen last night serving in a brothel bar is critical",
			"en el prostibar de la salida de mazuko hay una niña de 13 atendiendo, yo la vi anoche", tip.Critical, "sexual", true, "PE-MDD"},
		{"children selling sweets late for a woman who takes the money are high",
			"en huamanga unos niños venden caramelos hasta la medianoche y una señora les quita la plata", tip.High, "other", true, "PE-AYA"},
		{"a teenager working at a family farm with permission is low",
			"mi hijo de 15 ayuda a su papa en la chacra en vacaciones, con permiso, eso esta bien?", tip.Low, "none", false, "-"},
		{"a verb that is also a foreign city is not a place",
			"Mi prima de 17 se fue a trabajar a Juliaca con una señora q le ofrecio trabajo, la señora le quito su celular", tip.High, "", true, "PE-PUN"},
		{"a minor on a bus that left today is placed where it left from",
			"Necesito ayuda urgente! Mi hija de 15 se fue con un tipo que conocio por facebook, le dijo que la llevaria a Puerto Maldonado a trabajar, salieron hoy en bus de Cusco", tip.Critical, "", true, "PE-CUS"},
		{"a self-report from a bar in a mining camp is sexual exploitation",
			"trabajo en un bar del campamento minero en la pampa, el dueño no me paga y me quito mi dni", tip.High, "sexual", false, "PE-MDD"},
		{"unpaid wages and a debt in a restaurant are labour exploitation",
			"trabajo en un restaurante en piura y hace 3 meses no me pagan, el dueño dice que le debo la comida", tip.High, "labor", false, "PE-PIU"},
		{"girls taken to work in houses and not let out are domestic servitude",
			"una señora se lleva chicas de la comunidad para trabajar en casas en lima, no les pagan y no las dejan salir", tip.High, "other", false, "PE-LMA"},
		{"recruiting hostesses for mining camps points to sexual exploitation",
			"en juliaca una agencia busca anfitrionas para campamentos mineros, pasaje pagado", tip.Medium, "sexual", false, "PE-PUN"},
		{"under an adult age is not a child",
			"me ofrecieron trabajo en una discoteca en trujillo, piden q sea menor de 25", tip.Medium, "", false, "PE-LAL"},
		{"under eighteen is a child",
			"en el bar de la esquina en tumbes trabajan chicas menores de 18, el dueño les quita el dni", tip.High, "sexual", true, "PE-TUM"},
		{"a street named after another town followed by the town is in that town",
			"en una discoteca en la av. grau de piura hay chicas de colegio tomando con los clientes ahorita", tip.Critical, "sexual", true, "PE-PIU"},
		{"a legitimate job ad with payroll and insurance is low",
			"se busca cocinera para restaurante en trujillo, en planilla y con seguro", tip.Low, "none", false, "PE-LAL"},
		{"a resolved past case with the trafficker in prison is low",
			"en 2015 a mi tia la engañaron con un trabajo en lima pero el tipo ya esta preso, todo resuelto", tip.Low, "none", false, "-"},
		{"a custody dispute with threats is not trafficking",
			"mi ex no me deja ver a mis hijos y me amenaza, donde denuncio?", tip.Low, "none", false, "-"},
		{"weekends are not fines",
			"mi hija de 17 trabaja de cajera en un supermercado los fines de semana, con permiso y todo", tip.Low, "none", false, "-"},
		{"an English report of a girl locked in a karaoke bar is critical",
			"My friend (17) is in a karaoke bar in Tarapoto, she just texted me that the owner locked her in and there are men waiting. Please send someone", tip.Critical, "sexual", true, "PE-SAM"},
		{"an English past case told from home is medium and placed where it happened",
			"Back in 2019 I worked on a fishing boat out of Chimbote for a year without pay, they held my passport. I'm home now in Venezuela. Can I still report it?", tip.Medium, "labor", false, "PE-ANC"},
		{"a Quechua report of a girl of 14 being taken away now is critical",
			"yanapawaychik, ñañay 14 watayuq, chay runa apakun Huancayo terminalman, dice q trabajo en restaurant, ya van a subir al bus", tip.Critical, "", true, "PE-JUN"},
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

// TestChildWorkAndSafetyFloor checks the classes a third reader found
// missing: a child working or serving is evidence without any other
// keyword (Art. 129-A CP, para. 3), and a child beside work, a venue,
// transport or control is never low unless the text reads as benign.
func TestChildWorkAndSafetyFloor(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name     string
		text     string
		urgency  tip.Urgency
		category string // "" to skip
		minor    bool
		region   string // "-" to skip
	}{
		{"young girls serving drinks and sent to the back rooms with customers are critical",
			"en un restobar de la carretera a iñapari hay jovencitas de 15 atendiendo mesas y las mandan a los reservados con los clientes",
			tip.Critical, "sexual", true, "PE-MDD"},
		{"a girl dancing for customers in a video pub right now is critical",
			"ahorita en un video pub de sullana una chibolita de 14 esta bailando para los clientes", tip.Critical, "sexual", true, "PE-PIU"},
		{"girls of a school sitting with customers at weekends are high, not critical",
			"en la cantina del mercado de juanjui los fines de semana atienden chicas del colegio, se sientan con los clientes", tip.High, "sexual", true, "PE-SAM"},
		{"a niece brought to study but kept cleaning all day without school is high servitude",
			"mi cuñada trajo a su sobrina de 12 de huanta para que estudie, pero la tiene limpiando y cocinando todo el dia y no la manda al colegio",
			tip.High, "other", true, "-"},
		{"a child called a criadita who works from dawn is high",
			"la familia del segundo piso en tacna tiene una criadita, trabaja desde las 5 de la mañana y nunca sale", tip.High, "other", true, "PE-TAC"},
		{"children carrying loads all day at a brickworks are child labour",
			"en una ladrillera de huaral hay niños cargando ladrillos todo el dia, el dueño no les paga", tip.High, "labor", true, "PE-LIM"},
		{"young children picking through a dump for a buyer are child labour",
			"en el botadero de chiclayo unos niños de 9 y 10 años recogen botellas desde la madrugada para un señor", tip.High, "labor", true, "PE-LAM"},
		{"boys of a community loaded on a pickup toward mining right now are critical and minors",
			"en este momento suben a los chicos de la comunidad a una camioneta para llevarlos a la mineria, en atalaya", tip.Critical, "labor", true, "PE-UCA"},
		{"a massage parlour keeping foreign women's passports is sexual exploitation",
			"en una sala de masajes de chiclayo trabajan dos venezolanas, el dueño les guarda el pasaporte y dicen que deben el viaje", tip.High, "sexual", false, "PE-LAM"},
		{"an ad for young ladies for a karaoke with lodging points to sexual exploitation",
			"se necesitan señoritas para karaoke en puno, con alojamiento y buen pago diario", tip.Medium, "sexual", false, "PE-PUN"},
		{"a child beside a work word with nothing else is at least medium",
			"la hija de 13 de mi vecina trabaja en un puesto de la feria de huancayo", tip.Medium, "", true, "-"},
		{"a teenager helping a parent after homework stays low",
			"mi hija de 13 me ayuda a vender en la tienda despues de hacer su tarea, esta bien eso?", tip.Low, "none", false, "-"},
		{"a school trip with pupils and an agency stays low",
			"queremos llevar a los alumnos de quinto de excursion a cusco, que agencia recomiendan?", tip.Low, "none", false, "-"},
		{"an adult's ordinary job stays low",
			"trabajo de mesera en un restaurante de piura con contrato, me pagan puntual", tip.Low, "none", false, "-"},
		{"a question about a bus fare stays low",
			"cuanto cuesta el pasaje de lima a tarapoto?", tip.Low, "none", false, "-"},
		{"a self-reported age in an unpunctuated message counts",
			"tengo 16 toy en un bar de zorritos y el dueño no me deja salir ayuda", tip.Critical, "sexual", true, "PE-TUM"},
		{"a place in Peru beats a nationality abroad",
			"soy de colombia estoy en un karaoke en tumbes, me quitaron el pasaporte y no me dejan salir, ayuda", tip.Critical, "sexual", false, "PE-TUM"},
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

// TestVerbFormsAndReportedSpeech checks the classes a fourth reader found
// missing: a verb of moving, holding, hurting or asking for help counts in
// any person, tense, mood and clitic form; a report told by someone else
// ("dice que...") keeps its danger; a threat about leaving is control now,
// not a plan; grooming children with money or gifts toward a private place
// is sexual exploitation.
func TestVerbFormsAndReportedSpeech(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name     string
		text     string
		urgency  tip.Urgency
		category string // "" to skip
		minor    bool
		region   string // "-" to skip
	}{
		{"a crying group of young women in a pickup taken to a camp this evening is critical",
			"en el control de la carretera a iberia para una camioneta con unas jovenes llorando, el conductor dice que se las lleva al campamento esta noche", tip.Critical, "", false, "PE-MDD"},
		{"a plural present of moving toward a mining zone now is critical",
			"ahorita los suben a una combi a unas chicas en la plaza de pichanaki para llevarlos a la mina", tip.Critical, "", false, "PE-JUN"},
		{"a group boarded on a boat toward a known exploitation zone tonight is critical",
			"las embarcan esta noche en el puerto de masisea, son varias muchachas, dicen que van a la pampa", tip.Critical, "", false, "-"},
		{"a move under way told in the progressive is critical",
			"un tipo la está llevando en su moto a un prostibar de la salida de juanjui, es menor de edad", tip.Critical, "sexual", true, "PE-SAM"},
		{"a plural imperative for a held sister in a venue is critical",
			"ayuden a mi hermana, esta en un karaoke de huacho y dice que no la dejan irse", tip.Critical, "sexual", false, "PE-LIM"},
		{"a fine threatened for leaving does not turn holding into a plan",
			"mi amiga trabaja en una discoteca en sullana, dice q no le dejan salir y q le van a cobrar 500 soles si se va, rescatenla", tip.Critical, "sexual", false, "PE-PIU"},
		{"a rescue asked for in the imperative with a clitic is critical",
			"sáquenla de ahí, a mi prima la tienen encerrada en una cantina de bagua", tip.Critical, "sexual", false, "PE-AMA"},
		{"being forced told in the progressive counts",
			"mi vecina dice que a su hija la están obligando a trabajar en una chacra en satipo y no le pagan", tip.High, "labor", false, "PE-JUN"},
		{"a man paying schoolgirls to go to his house is sexual exploitation of minors",
			"un señor en la plaza de chulucanas les ofrece plata a las escolares para que vayan a su casa", tip.High, "sexual", true, "PE-PIU"},
		{"a man paying schoolgirls for photos is sexual exploitation of minors",
			"un tipo del internet frente al colegio de sicuani les paga a las alumnas por mandarle fotos", tip.High, "sexual", true, "PE-CUS"},
		{"an exploiter waiting outside the health post for the victim now is critical",
			"soy tecnica de la posta de quillabamba, atendimos a una chica del bar con golpes, el dueño la espera afuera en el carro", tip.Critical, "", false, "PE-CUS"},
		// hard negatives: the same verbs without trafficking
		{"taking a sick relative to hospital tonight is low",
			"la llevan al hospital de tarapoto esta noche porque tiene fiebre", tip.Low, "none", false, "-"},
		{"a parent taking a child to school today is low",
			"mi papá me lleva al colegio hoy en su carro", tip.Low, "none", false, "-"},
		{"a plural imperative asking for donations is low",
			"ayuden con donaciones para el albergue de ninos en cusco", tip.Low, "none", false, "-"},
		{"handing a thief to the police is not a threat",
			"al ladron lo entregaron a la policia en el mercado de huancayo", tip.Low, "none", false, "-"},
		{"workers driven to a farm with a contract are low",
			"hoy llevamos a los trabajadores a la chacra en la camioneta de la empresa, con contrato", tip.Low, "none", false, "-"},
		{"a duration with llevar is not a move",
			"llevo 3 meses trabajando en un taller en lima sin que me paguen, hoy el dueño me grito", tip.High, "labor", false, "PE-LMA"},
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

// TestWordOrderAndFamilyViolence checks the classes of the fifth held-out
// set with other sentences: a destination or a time word between the verb
// and the people, the people named before the verb, a child sold or bought
// from the parents, night outings under watch, live-in domestic work, and
// violence by a partner or a relative without trafficking words.
func TestWordOrderAndFamilyViolence(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name     string
		text     string
		urgency  tip.Urgency
		category string // "" to skip
		minor    bool
		region   string // "-" to skip
	}{
		{"children put on a boat now, the boat named before them, bought from their parents",
			"ahorita en el embarcadero de requena meten a un bote a tres niñitas, el señor que las lleva se las compró a su familia", tip.Critical, "other", true, "PE-LOR"},
		{"a time word between the verb and the son",
			"al campamento de la mina se llevan mañana a mi hijo de 15, le quitaron su dni", tip.Critical, "labor", true, "-"},
		{"the girls named before the verb of boarding, tonight",
			"a unas chicas de 16 las van a embarcar esta noche a la pampa en el puerto de laberinto", tip.Critical, "", true, "PE-MDD"},
		{"a baby given away for money",
			"en tumbes una mujer regala a su bebé a quien le pague el parto, dice que lo entrega hoy", tip.Critical, "other", true, "PE-TUM"},
		{"a girl bought from her parents and kept at home is at least high",
			"en la comunidad de atalaya un maderero le pagó a los papás de una niña de 11 por ella y ahora la niña cocina y lava en su casa todo el día", tip.High, "other", true, "-"},
		{"a child sold, named first, no date",
			"a la hija de mi vecina la vendieron a una señora de ica por 2000 soles, tiene 9 años", tip.High, "other", true, "PE-ICA"},
		{"women out at night and back at dawn, watched, in a named house",
			"en un edificio de chiclayo viven unas colombianas, las sacan en la noche en una van y regresan de madrugada, un tipo las vigila", tip.High, "sexual", false, "PE-LAM"},
		{"night outings alone, without a place, stay medium",
			"unas chicas del cuarto de al lado salen de noche y vuelven en la madrugada, me parece raro", tip.Medium, "", false, "-"},
		{"a father watching his own daughters is not control",
			"mi hermano vigila a sus hijas porque salen con chicos, en piura", tip.Low, "none", false, "-"},
		{"a live-in job with a restricted phone is for review, not forwarded",
			"soy trabajadora del hogar cama adentro en la molina y la señora no me deja usar mi celular en la semana", tip.Medium, "other", false, "PE-LMA"},
		{"a live-in job with documents kept and no pay is high",
			"mi tía trabaja cama adentro en una casa de miraflores, la señora le guarda el dni y no le paga hace 4 meses", tip.High, "other", false, "PE-LMA"},
		{"a domestic job advert with a contract is low",
			"se necesita empleada del hogar cama adentro con contrato y seguro en san borja", tip.Low, "none", false, "-"},
		// family violence: low, pointed to the family-violence line
		{"a husband locking his wife in and hitting her is family violence",
			"mi marido me deja encerrada en el cuarto y me pega cuando llega, vivo en huanuco", tip.Low, "none", false, "-"},
		{"a partner controlling the phone is family violence",
			"mi enamorado me revisa el celular y me amenaza si salgo con mis amigas", tip.Low, "none", false, "-"},
		{"a stepfather hitting a child is family violence, the child flagged",
			"mi padrastro le pega a mi hermanita de 8 todos los dias", tip.Low, "none", true, "-"},
		{"a husband sending his wife to serve miners is trafficking",
			"mi esposo me pega y me obliga a atender a los mineros en un bar de la rinconada", tip.High, "sexual", false, "PE-PUN"},
		{"a partner selling a girl is trafficking",
			"el conviviente de mi hermana le pega y a la niña de 13 la vende a unos señores", tip.High, "other", true, "-"},
		{"an unpaid sale of land is not wage theft",
			"le vendí mi chacra a un señor de jaen y no me paga lo que falta", tip.Low, "none", false, "-"},
		{"a friend not allowed to leave a bar until she pays is ongoing exploitation with a place",
			"a mi amiga la trajeron de tingo maria a un bar en huanuco y no la dejan irse hasta que pague, tiene miedo", tip.High, "", false, "PE-HUC"},
		{"a husband who does not let his wife leave the house and hits her is family violence, not trafficking",
			"mi marido no me deja salir de la casa y me pega", tip.Low, "none", false, "-"},
		{"a victim held in a house who asks to be rescued is critical",
			"tengo 20 años, estoy en un cuarto en ilo donde me hacen atender a hombres y el dueño tiene mi dni, ayudenme por favor", tip.Critical, "sexual", false, "PE-MOQ"},
		{"a plea for help without exploitation stays low",
			"ayudenme por favor, perdi mi dni en el terminal de ilo", tip.Low, "none", false, "-"},
		{"teenagers taken by boat to a dredge right now, in English, is critical",
			"a boat near Laberinto is taking 4 teenage boys to a gold dredge right now, they look scared", tip.Critical, "", true, "PE-MDD"},
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
	d := e.Decide("mi esposo me encierra y me pega, a quien llamo?")
	if !strings.Contains(strings.Join(d.Reasons, "\n"), "Línea 100") {
		t.Errorf("family violence reasons %q do not point to the Línea 100", d.Reasons)
	}
}

// TestEscapesForceAndProperNames holds the rules found with the sixth
// held-out set with other sentences: an escape with someone searching for
// the victim, hiding or afraid is danger now, and with safety words it is
// past; force under way toward a vehicle; a person gone missing whom a
// third party does not let talk; a habit of night work in a bar; proper
// names of places that are also keywords.
func TestEscapesForceAndProperNames(t *testing.T) {
	e := mustEngine(t)
	tests := []struct {
		name     string
		text     string
		urgency  tip.Urgency
		category string // "" to skip
		minor    bool
		region   string // "-" to skip
	}{
		{"an escape from a cantina, the owner searching for her",
			"me escapé de la cantina donde me tenían y ahora estoy en la casa de una señora en Juanjuí, el dueño me busca", tip.Critical, "sexual", false, "-"},
		{"an escape told without punctuation stays danger now",
			"me escape del bar donde me tenian ahora toy en un hostal del mismo pueblo el dueño me esta buscando ayudenme", tip.Critical, "sexual", false, "-"},
		{"an escape from a workshop, hiding and afraid",
			"nos salimos por la ventana del taller donde nos tenían cosiendo sin pago, estamos escondidos en un parque de Ate y tenemos miedo", tip.Critical, "", false, "-"},
		{"an escape with safety words is past",
			"me escapé del bar de Mazuko donde me obligaban a estar con clientes, ya estoy a salvo con mi familia, quiero denunciar", tip.Medium, "sexual", false, "-"},
		{"an escaped dog is not a case",
			"se nos escapó el perro y lo estamos buscando por todo el barrio de Cayma", tip.Low, "none", false, "-"},
		{"a teenager who ran away from home after a fight is not a case",
			"mi hija de 15 se escapó de la casa después de una pelea y la estamos buscando, creo que está donde su tía", tip.Low, "none", false, "-"},
		{"force under way toward a vehicle, a schoolgirl",
			"ahorita un tipo está jalando a una escolar hacia su camioneta frente al parque de Moyobamba", tip.Critical, "", true, "PE-SAM"},
		{"force under way, the person as a pronoun",
			"a mi prima la están empujando a un taxi en la esquina de mi casa en Chimbote", tip.Critical, "", false, "PE-ANC"},
		{"a daily ride to school is not force now",
			"todos los días mi vecino obliga a su hijo a subir al carro para ir al colegio, el niño llora", tip.Low, "none", false, "-"},
		{"a missing teenager whom the contractor does not let talk is high",
			"mi sobrino de 16 se fue a una mina de Arequipa con un contratista hace un mes, ya no contesta y el contratista no lo deja hablar con nosotros", tip.High, "labor", true, "PE-ARE"},
		{"a missing teenager without control stays medium",
			"mi sobrino de 16 se fue a una mina de Arequipa con un contratista hace un mes y ya no contesta", tip.Medium, "", true, "PE-ARE"},
		{"a habit of night work in a bar is high and sexual, not a move now",
			"traen chicas de la selva en una combi a una casa de Yurimaguas, de noche las hacen trabajar en un bar y en la mañana las regresan a la casa", tip.High, "sexual", false, "PE-LOR"},
		{"a market named Modelo is not a hostess job",
			"en el Mercado Modelo de Piura hay niños de 10 años cargando costales desde la madrugada y no van al colegio", tip.High, "labor", true, "PE-PIU"},
		{"a discotheque named after miners is not a mining bar",
			"la Discoteca El Minero de Juliaca hace mucha bulla los sábados, ¿a quién me quejo?", tip.Low, "none", false, "PE-PUN"},
		{"a street named like a brothel is not one",
			"vivo en la Calle Prostibar de Piura y quiero que pongan un afiche en mi colegio", tip.Low, "none", false, "PE-PIU"},
		{"a job seeker asking for offers is low",
			"ando buscando trabajo de mesera en Tarapoto, ¿tienen ofertas de trabajo?", tip.Low, "none", false, "-"},
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
