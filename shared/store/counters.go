package store

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/tip"
)

// Campaign figures are a recount of the campaign's tips, read from the
// campaign index (GSI2 CAMPAIGN#<campaign or NONE>, <created>#<id>) when
// they are asked for, and kept for a short time when the store was made
// WithCountersCache. No write of a tip touches an item of its campaign:
// a counter written in every tip's transaction is an item shared by every
// reporter of the campaign, and DynamoDB cancels transactions that meet on
// one item (TransactionConflict), so a burst of tips after a radio spot
// would lose most of them. The figures are the recount by construction.

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

// Counters returns a campaign's figures for the Lima days from..to
// (inclusive, YYYY-MM-DD; empty for no bound), by day then material,
// recounted from the campaign index (eventually consistent, as every index
// read). campaign "" reads the tips of no campaign.
//
// Errors: invalid for a malformed day, transient.
func (s *Store) Counters(ctx context.Context, campaign, from, to string) ([]Counter, error) {
	op := "store: counters of campaign " + campaign
	cacheKey := orNone(campaign) + "|" + from + "|" + to
	if cs, ok := s.counters.get(cacheKey, s.now()); ok {
		return cs, nil
	}
	lo, hi, err := dayBounds(from, to)
	if err != nil {
		return nil, tip.E(tip.KindInvalid, op, err)
	}
	key := expression.Key("GSI2PK").Equal(expression.Value("CAMPAIGN#" + orNone(campaign)))
	switch {
	case lo != "" && hi != "":
		key = key.And(expression.Key("GSI2SK").Between(expression.Value(lo), expression.Value(hi)))
	case lo != "":
		key = key.And(expression.Key("GSI2SK").GreaterThanEqual(expression.Value(lo)))
	case hi != "":
		key = key.And(expression.Key("GSI2SK").LessThan(expression.Value(hi)))
	}
	proj := expression.NamesList(expression.Name("material_id"), expression.Name("created_at"), expression.Name("urgency"),
		expression.Name("status"), expression.Name("forwarded_at"), expression.Name("acknowledged_at"))
	e, err := expression.NewBuilder().WithKeyCondition(key).WithProjection(proj).Build()
	if err != nil {
		return nil, tip.E(tip.KindInternal, op, err)
	}
	in := &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String("GSI2"), KeyConditionExpression: e.KeyCondition(),
		ProjectionExpression: e.Projection(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}
	type bucket struct{ day, material string }
	sums := map[bucket]*Counter{}
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, classify(op, err)
		}
		var rows []struct {
			MaterialID   string      `dynamodbav:"material_id"`
			CreatedAt    string      `dynamodbav:"created_at"`
			Urgency      tip.Urgency `dynamodbav:"urgency"`
			Status       tip.Status  `dynamodbav:"status"`
			Forwarded    string      `dynamodbav:"forwarded_at"`
			Acknowledged string      `dynamodbav:"acknowledged_at"`
		}
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &rows); err != nil {
			return nil, tip.E(tip.KindInternal, op, err)
		}
		for _, r := range rows {
			t := &tip.Tip{Triage: tip.Triage{Urgency: r.Urgency}, Status: r.Status, CreatedAt: parseTime(r.CreatedAt),
				ForwardedAt: parseTime(r.Forwarded), AcknowledgedAt: parseTime(r.Acknowledged)}
			b := bucket{tip.Day(t.CreatedAt), orNone(r.MaterialID)}
			c := sums[b]
			if c == nil {
				c = &Counter{CampaignID: orNone(campaign), MaterialID: b.material, Day: b.day}
				sums[b] = c
			}
			c.add(counts(t))
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	out := make([]Counter, 0, len(sums))
	for _, c := range sums {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Day != out[j].Day {
			return out[i].Day < out[j].Day
		}
		return out[i].MaterialID < out[j].MaterialID
	})
	s.counters.put(cacheKey, out, s.now())
	return out, nil
}

func (c *Counter) add(n map[string]int) {
	c.Received += n["received"]
	c.Critical += n["critical"]
	c.High += n["high"]
	c.Medium += n["medium"]
	c.Low += n["low"]
	c.Forwarded += n["forwarded"]
	c.Acknowledged += n["acknowledged"]
	c.Noise += n["noise"]
}

// dayBounds returns the campaign-index keys that bound the Lima days
// from..to: the first instant of from, the first instant after to ("" for
// no bound).
func dayBounds(from, to string) (lo, hi string, err error) {
	if from != "" {
		d, err := time.ParseInLocation("2006-01-02", from, tip.Lima)
		if err != nil {
			return "", "", fmt.Errorf("day %q is not YYYY-MM-DD", from)
		}
		lo = timeKey(d)
	}
	if to != "" {
		d, err := time.ParseInLocation("2006-01-02", to, tip.Lima)
		if err != nil {
			return "", "", fmt.Errorf("day %q is not YYYY-MM-DD", to)
		}
		hi = timeKey(d.AddDate(0, 0, 1))
	}
	return lo, hi, nil
}

// countersCache keeps recent figures for ttl (0: no cache), so that a
// dashboard refreshing every few seconds does not recount each time.
type countersCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedCounters
}

type cachedCounters struct {
	at time.Time
	cs []Counter
}

func (c *countersCache) get(k string, now time.Time) ([]Counter, bool) {
	if c.ttl <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || now.Sub(e.at) >= c.ttl {
		return nil, false
	}
	return append([]Counter(nil), e.cs...), true
}

func (c *countersCache) put(k string, cs []Counter, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 1000 {
		c.m = map[string]cachedCounters{}
	}
	c.m[k] = cachedCounters{at: now, cs: append([]Counter(nil), cs...)}
}
