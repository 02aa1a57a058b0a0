package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"gopkg.in/yaml.v3"

	"tipline/shared/staff"
)

const campaignUsage = `usage:
  tipline campaign create    -file campaign.yaml          create a campaign and its materials
  tipline campaign materials -campaign ID -file FILE      add materials (YAML, or CSV with the header kind,label,place,region)
  tipline campaign qr        -campaign ID -out DIR        write every material's QR code and index.csv
  tipline campaign list                                   list campaigns

Common flags: -api URL (default http://localhost:8080), -token T (default $TIPLINE_TOKEN;
against the local stack an admin token is made with the local key when none is given).
Files can be run again: a campaign that exists (same id, or without an id the same name and
start date) is reported and kept, and materials already present (same kind, label and place)
are not created twice.
`

// materialCode is the form of a material code; it names the QR files, so
// nothing else may reach a file name.
var materialCode = regexp.MustCompile(`^[A-Z]{3}-[A-Z0-9]{2,3}$`)

// campaignFile is the YAML a partner writes for a campaign.
type campaignFile struct {
	Campaign struct {
		ID        string   `yaml:"id" json:"id,omitempty"`
		Name      string   `yaml:"name" json:"name"`
		Regions   []string `yaml:"regions" json:"regions"`
		Languages []string `yaml:"languages" json:"languages"`
		Start     string   `yaml:"start" json:"start"`
		End       string   `yaml:"end" json:"end,omitempty"`
		Numbers   []string `yaml:"numbers" json:"numbers"`
		Contact   string   `yaml:"contact" json:"contact,omitempty"`
	} `yaml:"campaign"`
	Materials []materialRow `yaml:"materials"`
}

type materialRow struct {
	Kind   string `yaml:"kind" json:"kind"`
	Label  string `yaml:"label" json:"label"`
	Place  string `yaml:"place" json:"place"`
	Region string `yaml:"region" json:"region,omitempty"` // ISO 3166-2:PE; default the campaign's when it has one
}

// same is what makes two materials one: kind, label and place.
func (r materialRow) same() [3]string { return [3]string{r.Kind, r.Label, r.Place} }

type material struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	Label        string `json:"label"`
	Place        string `json:"place"`
	Code         string `json:"code"`
	WhatsAppLink string `json:"whatsapp_link"`
	SMSText      string `json:"sms_text"`
	QRURL        string `json:"qr_url"`
}

type campaignDoc struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Start     string     `json:"start"`
	Materials []material `json:"materials"`
}

// apiError is an answer of the staff API that is not a success.
type apiError struct {
	status int
	text   string
}

func (e *apiError) Error() string { return e.text }

func isStatus(err error, status int) bool {
	var e *apiError
	return errors.As(err, &e) && e.status == status
}

// apiClient talks to the staff API.
type apiClient struct {
	base, token string
	http        *http.Client
}

func (c *apiClient) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			return &apiError{resp.StatusCode, fmt.Sprintf("%s %s: %s (%s)", method, path, e.Error.Message, resp.Status)}
		}
		return &apiError{resp.StatusCode, fmt.Sprintf("%s %s: %s", method, path, resp.Status)}
	}
	if out == nil {
		return nil
	}
	if b, ok := out.(*[]byte); ok {
		*b = raw
		return nil
	}
	return json.Unmarshal(raw, out)
}

func runCampaign(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stderr, campaignUsage)
		if len(args) == 0 {
			return errors.New("campaign: no subcommand given")
		}
		return nil
	}
	sub := args[0]
	fs := flag.NewFlagSet("campaign "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	api := fs.String("api", envOr("TIPLINE_API", "http://localhost:8080"), "base URL of the staff API")
	token := fs.String("token", os.Getenv("TIPLINE_TOKEN"), "bearer token (admin or supervisor)")
	file := fs.String("file", "", "campaign YAML (create) or materials YAML/CSV (materials)")
	id := fs.String("campaign", "", "campaign id")
	out := fs.String("out", "", "folder for the QR codes (qr)")
	module := fs.Int("module", 24, "QR module size in pixels (qr)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *token == "" {
		if !isLocal(*api) {
			return errors.New("campaign: give -token (or TIPLINE_TOKEN): a supervisor or admin token for " + *api)
		}
		key, err := localKey(defaultKeyFile())
		if err != nil {
			return err
		}
		t, err := staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience}.Issue("local-operator", staff.RoleAdmin, nil, time.Hour)
		if err != nil {
			return err
		}
		*token = t
	}
	c := &apiClient{base: strings.TrimRight(*api, "/"), token: *token, http: &http.Client{Timeout: 30 * time.Second}}
	switch sub {
	case "create":
		return campaignCreate(c, *file, stdout, stderr)
	case "materials":
		if *id == "" {
			return errors.New("campaign materials: give -campaign ID")
		}
		rows, err := readMaterials(*file)
		if err != nil {
			return err
		}
		return addMaterials(c, *id, rows, stdout, stderr)
	case "qr":
		if *id == "" || *out == "" {
			return errors.New("campaign qr: give -campaign ID and -out DIR")
		}
		return writeQRs(c, *id, *out, *module, stdout, stderr)
	case "list":
		var list struct {
			Campaigns []struct {
				ID, Name, Start, End string
				Regions              []string
			} `json:"campaigns"`
		}
		if err := c.do("GET", "/api/campaigns", nil, &list); err != nil {
			return err
		}
		for _, k := range list.Campaigns {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s..%s\n", k.ID, k.Name, strings.Join(k.Regions, ","), k.Start, k.End)
		}
		return nil
	}
	fmt.Fprint(stderr, campaignUsage)
	return fmt.Errorf("campaign: unknown subcommand %q", sub)
}

func isLocal(api string) bool {
	u, err := url.Parse(api)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

func campaignCreate(c *apiClient, file string, stdout, stderr io.Writer) error {
	if file == "" {
		return errors.New("campaign create: give -file campaign.yaml")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("campaign create: %w", err)
	}
	var f campaignFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("campaign create: %s: %w", file, err)
	}
	if err := checkRows(f.Materials); err != nil {
		return fmt.Errorf("campaign create: %s: %w", file, err)
	}
	found, how, err := findCampaign(c, f.Campaign.ID, f.Campaign.Name, f.Campaign.Start)
	if err != nil {
		return fmt.Errorf("campaign create: %w", err)
	}
	if found.ID != "" {
		fmt.Fprintf(stdout, "campaign %s already exists (same %s): %s, kept as it is\n", found.ID, how, found.Name)
		return addMaterials(c, found.ID, f.Materials, stdout, stderr)
	}
	var created campaignDoc
	if err := c.do("POST", "/api/campaigns", f.Campaign, &created); err != nil {
		return fmt.Errorf("campaign create: %w", err)
	}
	fmt.Fprintf(stdout, "campaign %s created: %s\n", created.ID, created.Name)
	return addMaterials(c, created.ID, f.Materials, stdout, stderr)
}

// findCampaign returns the campaign a file describes when it exists: the
// one with id, or without an id the one with the same name and start date
// (how says which). None found is no error; two that match are.
func findCampaign(c *apiClient, id, name, start string) (found campaignDoc, how string, err error) {
	if id != "" {
		err := c.do("GET", "/api/campaigns/"+url.PathEscape(id), nil, &found)
		if isStatus(err, http.StatusNotFound) {
			return campaignDoc{}, "", nil
		}
		return found, "id", err
	}
	var list struct {
		Campaigns []campaignDoc `json:"campaigns"`
	}
	if err := c.do("GET", "/api/campaigns", nil, &list); err != nil {
		return found, "", err
	}
	var ids []string
	for _, k := range list.Campaigns {
		if strings.EqualFold(strings.TrimSpace(k.Name), strings.TrimSpace(name)) && k.Start == start {
			found = k
			ids = append(ids, k.ID)
		}
	}
	if len(ids) > 1 {
		return campaignDoc{}, "", fmt.Errorf("campaigns %s all have the name %q and start %s: give the file an id", strings.Join(ids, ", "), name, start)
	}
	return found, "name and start date", nil
}

func checkRows(rows []materialRow) error {
	var errs []error
	for i, r := range rows {
		if strings.TrimSpace(r.Kind) == "" || strings.TrimSpace(r.Label) == "" {
			errs = append(errs, fmt.Errorf("material %d: kind and label are required", i+1))
		}
	}
	return errors.Join(errs...)
}

// readMaterials reads materials from YAML (a list, or {materials: [...]})
// or CSV with a header naming kind, label and place.
func readMaterials(file string) ([]materialRow, error) {
	if file == "" {
		return nil, errors.New("campaign materials: give -file materials.csv or .yaml")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("campaign materials: %w", err)
	}
	var rows []materialRow
	if strings.EqualFold(filepath.Ext(file), ".csv") {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff"))))
		recs, err := r.ReadAll()
		if err != nil {
			return nil, fmt.Errorf("campaign materials: %s: %w", file, err)
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("campaign materials: %s is empty", file)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[strings.ToLower(strings.TrimSpace(h))] = i
		}
		for _, need := range []string{"kind", "label"} {
			if _, ok := col[need]; !ok {
				return nil, fmt.Errorf("campaign materials: %s: the first line has no %q column: it must be the header kind,label,place,region (place and region may be left out)", file, need)
			}
		}
		get := func(rec []string, name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		for _, rec := range recs[1:] {
			rows = append(rows, materialRow{Kind: get(rec, "kind"), Label: get(rec, "label"), Place: get(rec, "place"), Region: get(rec, "region")})
		}
	} else {
		var wrapped struct {
			Materials []materialRow `yaml:"materials"`
		}
		if err := yaml.Unmarshal(raw, &wrapped); err == nil && len(wrapped.Materials) > 0 {
			rows = wrapped.Materials
		} else if err := yaml.Unmarshal(raw, &rows); err != nil {
			return nil, fmt.Errorf("campaign materials: %s: %w", file, err)
		}
	}
	if err := checkRows(rows); err != nil {
		return nil, fmt.Errorf("campaign materials: %s: %w", file, err)
	}
	return rows, nil
}

func addMaterials(c *apiClient, id string, rows []materialRow, stdout, stderr io.Writer) error {
	var doc campaignDoc
	if err := c.do("GET", "/api/campaigns/"+url.PathEscape(id), nil, &doc); err != nil {
		return err
	}
	have := map[[3]string]material{}
	for _, m := range doc.Materials {
		have[materialRow{Kind: m.Kind, Label: m.Label, Place: m.Place}.same()] = m
	}
	bar := progressbar.NewOptions(len(rows), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("materials"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	var made, kept []material
	for _, r := range rows {
		r = materialRow{strings.TrimSpace(r.Kind), strings.TrimSpace(r.Label), strings.TrimSpace(r.Place), strings.TrimSpace(r.Region)}
		if m, ok := have[r.same()]; ok {
			kept = append(kept, m)
			_ = bar.Add(1)
			continue
		}
		var m material
		if err := c.do("POST", "/api/campaigns/"+url.PathEscape(id)+"/materials", r, &m); err != nil {
			_ = bar.Finish()
			return fmt.Errorf("%w (%d materials created before this one)", err, len(made))
		}
		have[r.same()] = m
		made = append(made, m)
		_ = bar.Add(1)
	}
	_ = bar.Finish()
	for _, m := range made {
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", m.Code, m.Kind, m.Label, m.Place, m.WhatsAppLink)
	}
	fmt.Fprintf(stdout, "%d materials created, %d already present\n", len(made), len(kept))
	return nil
}

// defused returns the cells of a CSV row with those a spreadsheet would run
// as a formula defused (staff.CSVCell): labels and places are typed by
// partners, and index.csv is opened in a spreadsheet.
func defused(cells ...string) []string {
	for i, c := range cells {
		cells[i] = staff.CSVCell(c)
	}
	return cells
}

// writeQRs writes every material's QR code to dir, with index.csv listing
// them (UTF-8 with a byte order mark, for spreadsheets).
func writeQRs(c *apiClient, id, dir string, module int, stdout, stderr io.Writer) error {
	var doc campaignDoc
	if err := c.do("GET", "/api/campaigns/"+url.PathEscape(id), nil, &doc); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("campaign qr: %w", err)
	}
	var index bytes.Buffer
	index.WriteString("\ufeff")
	w := csv.NewWriter(&index)
	_ = w.Write([]string{"code", "kind", "label", "place", "file", "whatsapp_link", "sms_text"})
	bar := progressbar.NewOptions(len(doc.Materials), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("QR codes"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	for _, m := range doc.Materials {
		var png []byte
		if err := c.do("GET", fmt.Sprintf("%s?module=%d", m.QRURL, module), nil, &png); err != nil {
			_ = bar.Finish()
			return err
		}
		if !materialCode.MatchString(m.Code) {
			_ = bar.Finish()
			return fmt.Errorf("campaign qr: the API sent %q, which is not a material code such as CUS-7K", m.Code)
		}
		name := m.Code + ".png"
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			_ = bar.Finish()
			return fmt.Errorf("campaign qr: %w", err)
		}
		_ = w.Write(defused(m.Code, m.Kind, m.Label, m.Place, name, m.WhatsAppLink, m.SMSText))
		_ = bar.Add(1)
	}
	_ = bar.Finish()
	w.Flush()
	if err := os.WriteFile(filepath.Join(dir, "index.csv"), index.Bytes(), 0o644); err != nil {
		return fmt.Errorf("campaign qr: %w", err)
	}
	fmt.Fprintf(stdout, "%d QR codes and index.csv written to %s\n", len(doc.Materials), dir)
	return nil
}
