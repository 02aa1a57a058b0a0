package store

// The authority directory and the routing rules. Access patterns:
//
//	authority by id                    GetItem  AUTHORITY / AUTHORITY#<id>
//	every authority                    Query    AUTHORITY
//	authority by a contact's number    GetItem  AUTHPHONE#<E.164> / AUTHPHONE
//	every routing rule                 Query    RULE

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

// ErrNumberTaken: a contact number already belongs to another authority.
var ErrNumberTaken = errors.New("number belongs to another authority")

type authorityItem struct {
	PK, SK string
	Type   string `dynamodbav:"type"`
	tip.Authority
	UpdatedAt string `dynamodbav:"updated_at"`
}

type phoneItem struct {
	PK, SK      string
	Type        string `dynamodbav:"type"`
	AuthorityID string `dynamodbav:"authority_id"`
	Contact     int    `dynamodbav:"contact"`
}

type ruleItem struct {
	PK, SK string
	Type   string `dynamodbav:"type"`
	tip.Rule
	UpdatedAt string `dynamodbav:"updated_at"`
}

func authorityKey(id string) map[string]types.AttributeValue {
	return key("AUTHORITY", "AUTHORITY#"+id)
}
func phoneKey(number string) map[string]types.AttributeValue {
	return key("AUTHPHONE#"+number, "AUTHPHONE")
}

// PutAuthority creates or replaces an authority, and keeps the index of its
// contacts' numbers (so that their messages are recognised and never become
// tips) in the same transaction.
//
// Errors: invalid for a malformed authority; conflict wrapping
// ErrNumberTaken when a number belongs to another authority; transient.
func (s *Store) PutAuthority(ctx context.Context, a tip.Authority) error {
	op := "store: put authority " + a.ID
	if err := a.Validate(); err != nil {
		return err
	}
	old, err := s.Authority(ctx, a.ID)
	if err != nil && !tip.Is(err, tip.KindNotFound) {
		return err
	}
	if a.Regions == nil {
		a.Regions = []string{}
	}
	if a.Contacts == nil {
		a.Contacts = []tip.Contact{}
	}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table,
		Item: mustMarshal(authorityItem{PK: "AUTHORITY", SK: "AUTHORITY#" + a.ID, Type: "authority", Authority: a, UpdatedAt: timeKey(s.now())})}}}
	mine := expression.Name("authority_id").Equal(expression.Value(a.ID))
	free := notExists.Or(mine)
	numbers := map[string]bool{}
	for i, c := range a.Contacts {
		if numbers[c.Address] {
			continue // the same number on both channels: one index entry
		}
		numbers[c.Address] = true
		items = append(items, condPut(s.table, phoneItem{PK: "AUTHPHONE#" + c.Address, SK: "AUTHPHONE", Type: "authphone",
			AuthorityID: a.ID, Contact: i}, &free))
	}
	for _, c := range old.Contacts {
		if numbers[c.Address] {
			continue
		}
		numbers[c.Address] = true
		e, _ := expression.NewBuilder().WithCondition(mine).Build()
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: phoneKey(c.Address),
			ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()}})
	}
	if len(items) > 100 {
		return tip.Errorf(tip.KindInvalid, op, "too many contacts")
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	for i := 1; i < len(items); i++ {
		if items[i].Put != nil && cancelledAt(err, i) {
			return tip.E(tip.KindConflict, op, fmt.Errorf("contact %d: %w", i-1, ErrNumberTaken))
		}
	}
	return classify(op, err)
}

// Authority returns the authority with id, or a not-found error.
func (s *Store) Authority(ctx context.Context, id string) (tip.Authority, error) {
	op := "store: get authority " + id
	var it authorityItem
	if err := s.getItem(ctx, op, authorityKey(id), &it); err != nil {
		return tip.Authority{}, err
	}
	return it.Authority, nil
}

// Authorities returns every authority, active or not, ordered by id: a
// Query on the directory's one partition.
func (s *Store) Authorities(ctx context.Context) ([]tip.Authority, error) {
	var items []authorityItem
	if err := s.queryAll(ctx, "store: list authorities", "AUTHORITY", "AUTHORITY#", &items); err != nil {
		return nil, err
	}
	out := make([]tip.Authority, 0, len(items))
	for _, it := range items {
		out = append(out, it.Authority)
	}
	return out, nil
}

// AuthorityByPhone returns the id of the authority one of whose contacts
// has number (E.164) and that contact's index, or a not-found error.
func (s *Store) AuthorityByPhone(ctx context.Context, number string) (string, int, error) {
	const op = "store: authority by phone"
	var it phoneItem
	if err := s.getItem(ctx, op, phoneKey(number), &it); err != nil {
		return "", 0, err
	}
	return it.AuthorityID, it.Contact, nil
}

// PutRule creates or replaces a routing rule. Errors: invalid, transient.
func (s *Store) PutRule(ctx context.Context, r tip.Rule) error {
	op := "store: put rule " + r.ID
	if err := r.Validate(); err != nil {
		return err
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table,
		Item: mustMarshal(ruleItem{PK: "RULE", SK: "RULE#" + r.ID, Type: "rule", Rule: r, UpdatedAt: timeKey(s.now())})})
	return classify(op, err)
}

// DeleteRule removes a routing rule; removing a missing rule is not an error.
func (s *Store) DeleteRule(ctx context.Context, id string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key("RULE", "RULE#"+id)})
	return classify("store: delete rule "+id, err)
}

// Rules returns every routing rule, ordered by id.
func (s *Store) Rules(ctx context.Context) ([]tip.Rule, error) {
	var items []ruleItem
	if err := s.queryAll(ctx, "store: list rules", "RULE", "RULE#", &items); err != nil {
		return nil, err
	}
	out := make([]tip.Rule, 0, len(items))
	for _, it := range items {
		out = append(out, it.Rule)
	}
	return out, nil
}

// queryAll reads every item of partition pk whose sort key begins with
// prefix, consistently, into out (a pointer to a slice).
func (s *Store) queryAll(ctx context.Context, op, pk, prefix string, out any) error {
	cond := expression.Key("PK").Equal(expression.Value(pk)).And(expression.Key("SK").BeginsWith(prefix))
	e, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return tip.E(tip.KindInternal, op, err)
	}
	in := &dynamodb.QueryInput{TableName: &s.table, KeyConditionExpression: e.KeyCondition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(), ConsistentRead: aws.Bool(true)}
	var all []map[string]types.AttributeValue
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return classify(op, err)
		}
		all = append(all, page.Items...)
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	if err := attributevalue.UnmarshalListOfMaps(all, out); err != nil {
		return tip.E(tip.KindInternal, op, err)
	}
	return nil
}
