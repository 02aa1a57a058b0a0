package store

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

// Campaign figures are atomic counters, one item per campaign, Lima day of
// receipt and material:
//
//	STATS#<campaign or NONE> / DAY#<YYYY-MM-DD>#MAT#<material or NONE>
//
// Every write that changes a tip (CreateTip, AppendMessage, SaveTip) adds
// the difference it makes to the counters in the same transaction, so the
// figures are always the recount of the tips, and reading them never reads
// a tip.

// counterNames are the counted facts about a tip.
var counterNames = []string{"received", "critical", "high", "medium", "low", "forwarded", "acknowledged", "noise"}

// counts are the counted facts about one tip state (nil: no tip).
func counts(t *tip.Tip) map[string]int {
	c := map[string]int{}
	if t == nil {
		return c
	}
	c["received"] = 1
	if t.Urgency.Valid() {
		c[string(t.Urgency)] = 1
	}
	if !t.ForwardedAt.IsZero() {
		c["forwarded"] = 1
	}
	if !t.AcknowledgedAt.IsZero() {
		c["acknowledged"] = 1
	}
	if t.Urgency == tip.Low || t.Status == tip.StatusSpam {
		c["noise"] = 1
	}
	return c
}

func counterKey(campaign, day, material string) map[string]types.AttributeValue {
	if campaign == "" {
		campaign = "NONE"
	}
	if material == "" {
		material = "NONE"
	}
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "STATS#" + campaign},
		"SK": &types.AttributeValueMemberS{Value: "DAY#" + day + "#MAT#" + material},
	}
}

// counterUpdates returns the transaction actions that move the counters
// from the state old to the state next of one tip (either may be nil).
func (s *Store) counterUpdates(old, next *tip.Tip) []types.TransactWriteItem {
	type bucket struct{ campaign, day, material string }
	deltas := map[bucket]map[string]int{}
	add := func(t *tip.Tip, sign int) {
		if t == nil {
			return
		}
		b := bucket{t.CampaignID, tip.Day(t.CreatedAt), t.MaterialID}
		if deltas[b] == nil {
			deltas[b] = map[string]int{}
		}
		for k, v := range counts(t) {
			deltas[b][k] += sign * v
		}
	}
	add(old, -1)
	add(next, +1)
	buckets := make([]bucket, 0, len(deltas))
	for b := range deltas {
		buckets = append(buckets, b)
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].material < buckets[j].material })
	var out []types.TransactWriteItem
	for _, b := range buckets {
		var upd expression.UpdateBuilder
		n := 0
		for _, name := range counterNames {
			if d := deltas[b][name]; d != 0 {
				upd = upd.Add(expression.Name(name), expression.Value(d))
				n++
			}
		}
		if n == 0 {
			continue
		}
		upd = upd.Set(expression.Name("type"), expression.Value("counter")).
			Set(expression.Name("campaign_id"), expression.Value(orNone(b.campaign))).
			Set(expression.Name("material_id"), expression.Value(orNone(b.material))).
			Set(expression.Name("day"), expression.Value(b.day))
		e, err := expression.NewBuilder().WithUpdate(upd).Build()
		if err != nil {
			continue // only our own names and numbers reach here
		}
		out = append(out, types.TransactWriteItem{Update: &types.Update{
			TableName: &s.table, Key: counterKey(b.campaign, b.day, b.material),
			UpdateExpression: e.Update(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
		}})
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "NONE"
	}
	return s
}

// Counter is the figures of one campaign, day and material.
type Counter struct {
	CampaignID   string `json:"campaign_id" dynamodbav:"campaign_id"`
	MaterialID   string `json:"material_id" dynamodbav:"material_id"` // NONE: no material
	Day          string `json:"day" dynamodbav:"day"`
	Received     int    `json:"received" dynamodbav:"received"`
	Critical     int    `json:"critical" dynamodbav:"critical"`
	High         int    `json:"high" dynamodbav:"high"`
	Medium       int    `json:"medium" dynamodbav:"medium"`
	Low          int    `json:"low" dynamodbav:"low"`
	Forwarded    int    `json:"forwarded" dynamodbav:"forwarded"`
	Acknowledged int    `json:"acknowledged" dynamodbav:"acknowledged"`
	Noise        int    `json:"noise" dynamodbav:"noise"`
}

// Counters returns a campaign's counters for the Lima days from..to
// (inclusive, YYYY-MM-DD; empty for no bound), by day then material. One
// Query; no tip is read. campaign "" reads the tips of no campaign.
func (s *Store) Counters(ctx context.Context, campaign, from, to string) ([]Counter, error) {
	op := "store: counters of campaign " + campaign
	lo, hi := "DAY#", "DAY#~"
	if from != "" {
		lo = "DAY#" + from
	}
	if to != "" {
		hi = "DAY#" + to + "#~"
	}
	key := expression.Key("PK").Equal(expression.Value("STATS#" + orNone(campaign))).
		And(expression.Key("SK").Between(expression.Value(lo), expression.Value(hi)))
	e, err := expression.NewBuilder().WithKeyCondition(key).Build()
	if err != nil {
		return nil, tip.E(tip.KindInternal, op, err)
	}
	in := &dynamodb.QueryInput{TableName: &s.table, KeyConditionExpression: e.KeyCondition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(), ConsistentRead: aws.Bool(true)}
	var out []Counter
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(op, err)
		}
		var cs []Counter
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &cs); err != nil {
			return nil, tip.E(tip.KindInternal, op, err)
		}
		out = append(out, cs...)
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
