package store

import (
	"context"
	"errors"
	"sort"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

// Campaign access patterns:
//
//	campaign directory                 Query   CAMPAIGNS, SK begins_with CAMPAIGN#
//	campaign by id                     GetItem CAMPAIGNS / CAMPAIGN#<id>
//	campaigns of a Twilio number       Query   NUMBER#<e164>
//	material by id                     GetItem MATERIAL#<id> / MATERIAL
//	materials of a campaign            Query   GSI2 MATERIALS#<campaign>, <created>#<id>
//	material by code                   GetItem MATCODE#<code> / MATCODE, then the material

// ErrCodeTaken: the material code is in use; draw another.
var ErrCodeTaken = errors.New("material code taken")

type campaignItem struct {
	PK, SK    string
	Type      string   `dynamodbav:"type"`
	ID        string   `dynamodbav:"id"`
	Name      string   `dynamodbav:"name"`
	Regions   []string `dynamodbav:"regions"`
	Languages []string `dynamodbav:"languages"`
	Start     string   `dynamodbav:"start"`
	End       string   `dynamodbav:"end"`
	Numbers   []string `dynamodbav:"numbers"`
	Contact   string   `dynamodbav:"contact"`
	CreatedAt string   `dynamodbav:"created_at"`
	UpdatedAt string   `dynamodbav:"updated_at"`
	Version   int      `dynamodbav:"version"`
}

func toCampaignItem(c tip.Campaign) campaignItem {
	return campaignItem{PK: "CAMPAIGNS", SK: "CAMPAIGN#" + c.ID, Type: "campaign", ID: c.ID, Name: c.Name,
		Regions: nonNil(c.Regions), Languages: nonNil(c.Languages), Start: c.Start, End: c.End,
		Numbers: nonNil(c.Numbers), Contact: c.Contact,
		CreatedAt: timeKey(c.CreatedAt), UpdatedAt: timeKey(c.UpdatedAt), Version: c.Version}
}

func (it campaignItem) campaign() tip.Campaign {
	return tip.Campaign{ID: it.ID, Name: it.Name, Regions: it.Regions, Languages: it.Languages, Start: it.Start,
		End: it.End, Numbers: it.Numbers, Contact: it.Contact, CreatedAt: parseTime(it.CreatedAt),
		UpdatedAt: parseTime(it.UpdatedAt), Version: it.Version}
}

type numberItem struct {
	PK, SK     string
	Type       string `dynamodbav:"type"`
	CampaignID string `dynamodbav:"campaign_id"`
	Start      string `dynamodbav:"start"`
	End        string `dynamodbav:"end"`
}

func (s *Store) numberPuts(c tip.Campaign) []types.TransactWriteItem {
	var out []types.TransactWriteItem
	for _, n := range uniq(c.Numbers) {
		out = append(out, condPut(s.table, numberItem{PK: "NUMBER#" + n, SK: "CAMPAIGN#" + c.ID, Type: "number",
			CampaignID: c.ID, Start: c.Start, End: c.End}, nil))
	}
	return out
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// CreateCampaign stores a new campaign (Version 1) and the numbers it uses.
// Errors: conflict when the id exists, or transient.
func (s *Store) CreateCampaign(ctx context.Context, c *tip.Campaign) error {
	op := "store: create campaign " + c.ID
	now := s.now()
	c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
	items := append([]types.TransactWriteItem{condPut(s.table, toCampaignItem(*c), &notExists)}, s.numberPuts(*c)...)
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancelledAt(err, 0) {
		return tip.Errorf(tip.KindConflict, op, "campaign exists")
	}
	return classify(op, err)
}

// UpdateCampaign writes c over the stored campaign when its version is
// still c.Version, moving its numbers. Errors: ErrStale, not found, transient.
func (s *Store) UpdateCampaign(ctx context.Context, c *tip.Campaign) error {
	op := "store: update campaign " + c.ID
	old, err := s.Campaign(ctx, c.ID)
	if err != nil {
		return err
	}
	if old.Version != c.Version {
		return tip.E(tip.KindConflict, op, ErrStale)
	}
	next := *c
	next.CreatedAt, next.UpdatedAt, next.Version = old.CreatedAt, s.now(), c.Version+1
	cond := expression.Name("version").Equal(expression.Value(c.Version))
	items := []types.TransactWriteItem{condPut(s.table, toCampaignItem(next), &cond)}
	keep := map[string]bool{}
	for _, n := range next.Numbers {
		keep[n] = true
	}
	for _, n := range uniq(old.Numbers) {
		if !keep[n] {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table,
				Key: key("NUMBER#"+n, "CAMPAIGN#"+c.ID)}})
		}
	}
	items = append(items, s.numberPuts(next)...)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancelledAt(err, 0) {
		return tip.E(tip.KindConflict, op, ErrStale)
	}
	if err != nil {
		return classify(op, err)
	}
	*c = next
	return nil
}

// Campaign returns the campaign with id, or a not-found error.
func (s *Store) Campaign(ctx context.Context, id string) (tip.Campaign, error) {
	op := "store: get campaign " + id
	var it campaignItem
	if err := s.getItem(ctx, op, key("CAMPAIGNS", "CAMPAIGN#"+id), &it); err != nil {
		return tip.Campaign{}, err
	}
	return it.campaign(), nil
}

// ListCampaigns returns every campaign, by id.
func (s *Store) ListCampaigns(ctx context.Context) ([]tip.Campaign, error) {
	const op = "store: list campaigns"
	var items []campaignItem
	if err := s.queryAll(ctx, op, "CAMPAIGNS", "CAMPAIGN#", &items); err != nil {
		return nil, err
	}
	out := make([]tip.Campaign, 0, len(items))
	for _, it := range items {
		out = append(out, it.campaign())
	}
	return out, nil
}

// CampaignForNumber returns the campaign that uses our number to at time t
// (the most recently started one when several do), or not found.
func (s *Store) CampaignForNumber(ctx context.Context, to string, t tip.Clock) (tip.Campaign, error) {
	op := "store: campaign of a number"
	var items []numberItem
	if err := s.queryAll(ctx, op, "NUMBER#"+to, "CAMPAIGN#", &items); err != nil {
		return tip.Campaign{}, err
	}
	now := t()
	var best *numberItem
	for i, it := range items {
		c := tip.Campaign{Start: it.Start, End: it.End}
		if c.Active(now) && (best == nil || it.Start > best.Start) {
			best = &items[i]
		}
	}
	if best == nil {
		return tip.Campaign{}, tip.E(tip.KindNotFound, op, nil)
	}
	return s.Campaign(ctx, best.CampaignID)
}

type materialItem struct {
	PK, SK         string
	GSI2PK, GSI2SK string
	Type           string `dynamodbav:"type"`
	ID             string `dynamodbav:"id"`
	CampaignID     string `dynamodbav:"campaign_id"`
	Kind           string `dynamodbav:"kind"`
	Label          string `dynamodbav:"label"`
	Place          string `dynamodbav:"place"`
	Region         string `dynamodbav:"region,omitempty"`
	Code           string `dynamodbav:"code"`
	CreatedAt      string `dynamodbav:"created_at"`
}

func (it materialItem) material() tip.Material {
	return tip.Material{ID: it.ID, CampaignID: it.CampaignID, Kind: it.Kind, Label: it.Label, Place: it.Place,
		Region: it.Region, Code: it.Code, CreatedAt: parseTime(it.CreatedAt)}
}

// CreateMaterial stores a material and reserves its code, in one
// transaction. Errors: ErrCodeTaken (kind conflict), transient.
func (s *Store) CreateMaterial(ctx context.Context, m *tip.Material) error {
	op := "store: create material " + m.Code
	m.CreatedAt = s.now()
	items := []types.TransactWriteItem{
		condPut(s.table, struct {
			PK, SK     string
			Type       string `dynamodbav:"type"`
			MaterialID string `dynamodbav:"material_id"`
			CampaignID string `dynamodbav:"campaign_id"`
		}{"MATCODE#" + m.Code, "MATCODE", "matcode", m.ID, m.CampaignID}, &notExists),
		condPut(s.table, materialItem{PK: "MATERIAL#" + m.ID, SK: "MATERIAL",
			GSI2PK: "MATERIALS#" + m.CampaignID, GSI2SK: timeKey(m.CreatedAt) + "#" + m.ID,
			Type: "material", ID: m.ID, CampaignID: m.CampaignID, Kind: m.Kind, Label: m.Label, Place: m.Place,
			Region: m.Region, Code: m.Code, CreatedAt: timeKey(m.CreatedAt)}, &notExists),
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancelledAt(err, 0) {
		return tip.E(tip.KindConflict, op, ErrCodeTaken)
	}
	return classify(op, err)
}

// Material returns the material with id, or not found.
func (s *Store) Material(ctx context.Context, id string) (tip.Material, error) {
	op := "store: get material " + id
	var it materialItem
	if err := s.getItem(ctx, op, key("MATERIAL#"+id, "MATERIAL"), &it); err != nil {
		return tip.Material{}, err
	}
	return it.material(), nil
}

// MaterialByCode returns the material with code, or not found.
func (s *Store) MaterialByCode(ctx context.Context, code string) (tip.Material, error) {
	op := "store: material by code " + code
	var it struct {
		MaterialID string `dynamodbav:"material_id"`
	}
	if err := s.getItem(ctx, op, key("MATCODE#"+code, "MATCODE"), &it); err != nil {
		return tip.Material{}, err
	}
	if it.MaterialID == "" {
		return tip.Material{}, tip.E(tip.KindInternal, op, errors.New("code without material"))
	}
	return s.Material(ctx, it.MaterialID)
}

// Materials returns a campaign's materials, oldest first.
func (s *Store) Materials(ctx context.Context, campaignID string) ([]tip.Material, error) {
	op := "store: materials of campaign " + campaignID
	var items []materialItem
	key := expression.Key("GSI2PK").Equal(expression.Value("MATERIALS#" + campaignID))
	if err := s.queryIndex(ctx, op, "GSI2", key, 0, &items); err != nil {
		return nil, err
	}
	out := make([]tip.Material, 0, len(items))
	for _, it := range items {
		out = append(out, it.material())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}
