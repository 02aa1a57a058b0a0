package tip

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Campaign is an awareness campaign: where it runs, in which languages,
// when, and the Twilio numbers its materials carry.
type Campaign struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Regions   []string  `json:"regions"`
	Languages []string  `json:"languages"`
	Start     string    `json:"start"` // YYYY-MM-DD, Lima time
	End       string    `json:"end"`   // YYYY-MM-DD inclusive; empty: open-ended
	Numbers   []string  `json:"numbers"`
	Contact   string    `json:"contact,omitempty"` // the partner's contact for follow-up, given to authorities
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// Material kinds.
var MaterialKinds = []string{"poster", "flyer", "radio", "social", "other"}

// Material is one printed, broadcast or posted piece of a campaign, with the
// short code that ties the tips it brings to it.
type Material struct {
	ID         string    `json:"id"`
	CampaignID string    `json:"campaign_id"`
	Kind       string    `json:"kind"`
	Label      string    `json:"label"`
	Place      string    `json:"place"`
	Region     string    `json:"region,omitempty"` // where it is shown: tips it brings that name no place are credited here
	Code       string    `json:"code"`
	CreatedAt  time.Time `json:"created_at"`
}

var (
	dayFormat = "2006-01-02"
	langCodes = map[string]bool{LangSpanish: true, LangEnglish: true, LangQuechua: true, LangAymara: true}
)

// Validate checks a campaign. Errors are of kind invalid and name every problem.
func (c Campaign) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Name) == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	for _, r := range c.Regions {
		if !ValidRegion(r) {
			errs = append(errs, fmt.Errorf("region %q is not an ISO 3166-2:PE code such as PE-CUS", r))
		}
	}
	for _, l := range c.Languages {
		if !langCodes[l] {
			errs = append(errs, fmt.Errorf("language %q is not es, en, qu or ay", l))
		}
	}
	start, err := time.Parse(dayFormat, c.Start)
	if err != nil {
		errs = append(errs, fmt.Errorf("start %q is not a date YYYY-MM-DD", c.Start))
	}
	if c.End != "" {
		end, err := time.Parse(dayFormat, c.End)
		if err != nil {
			errs = append(errs, fmt.Errorf("end %q is not a date YYYY-MM-DD", c.End))
		} else if end.Before(start) {
			errs = append(errs, errors.New("end is before start"))
		}
	}
	if len(c.Numbers) == 0 {
		errs = append(errs, errors.New("numbers is empty: give the Twilio numbers the materials carry"))
	}
	for _, n := range c.Numbers {
		if !ValidE164(n) {
			errs = append(errs, fmt.Errorf("number %q is not E.164 (+51…)", n))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return E(KindInvalid, "campaign: validate", err)
	}
	return nil
}

// Lima is Peru's time zone (UTC-5, no daylight saving): days of figures are Lima days.
var Lima = time.FixedZone("PET", -5*3600)

// Day returns t's date in Lima.
func Day(t time.Time) string { return t.In(Lima).Format(dayFormat) }

// Active reports whether the campaign runs on the Lima day of t.
func (c Campaign) Active(t time.Time) bool {
	d := Day(t)
	return d >= c.Start && (c.End == "" || d <= c.End)
}

// Validate checks a material. Errors are of kind invalid.
func (m Material) Validate() error {
	var errs []error
	ok := false
	for _, k := range MaterialKinds {
		ok = ok || m.Kind == k
	}
	if !ok {
		errs = append(errs, fmt.Errorf("kind %q is not one of %s", m.Kind, strings.Join(MaterialKinds, ", ")))
	}
	if strings.TrimSpace(m.Label) == "" {
		errs = append(errs, errors.New("label is empty"))
	}
	if m.Region != "" && !ValidRegion(m.Region) {
		errs = append(errs, fmt.Errorf("region %q is not an ISO 3166-2:PE code such as PE-CUS", m.Region))
	}
	if err := errors.Join(errs...); err != nil {
		return E(KindInvalid, "material: validate", err)
	}
	return nil
}
