package localdb

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	minidyn "github.com/truora/minidyn/aws-v2/client"
)

// Engine is the embedded engine (minidyn) with a work-around for its
// snapshot bug: a TransactWriteItems that fails (a condition not met, which
// is routine: a Twilio retry, a conversation opened concurrently) restores
// the whole table from a copy in which every empty list and every empty map
// attribute of every item has lost its type (minidyn v0.8.2,
// core.deepCopyTypesItem copies L and M only when they are not empty).
// From then on every Query, GetItem or write that meets such an item
// answers ValidationException "unsupported expression or attribute type:
// value type is not supported yet", until the process restarts. Tips
// store their indicators and reasons as lists, empty for most.
//
// Engine writes an empty list as a list of one marker and an empty map as a
// map of one marker key, which the copy keeps, and reads them back as
// empty: callers see DynamoDB's values. Every other method is minidyn's.
type Engine struct {
	*minidyn.Client
}

// emptyMark stands for the emptiness of a list or a map inside the engine.
const emptyMark = "\x00localdb:empty"

func (e *Engine) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c := *in
	c.Item, c.ExpressionAttributeValues = encodeMap(in.Item), encodeMap(in.ExpressionAttributeValues)
	out, err := e.Client.PutItem(ctx, &c, o...)
	if out != nil {
		out.Attributes = decodeMap(out.Attributes)
	}
	return out, decodeErr(err)
}

func (e *Engine) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c := *in
	c.ExpressionAttributeValues = encodeMap(in.ExpressionAttributeValues)
	out, err := e.Client.UpdateItem(ctx, &c, o...)
	if out != nil {
		out.Attributes = decodeMap(out.Attributes)
	}
	return out, decodeErr(err)
}

func (e *Engine) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c := *in
	c.ExpressionAttributeValues = encodeMap(in.ExpressionAttributeValues)
	out, err := e.Client.DeleteItem(ctx, &c, o...)
	if out != nil {
		out.Attributes = decodeMap(out.Attributes)
	}
	return out, decodeErr(err)
}

func (e *Engine) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := e.Client.GetItem(ctx, in, o...)
	if out != nil {
		out.Item = decodeMap(out.Item)
	}
	return out, err
}

func (e *Engine) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c := *in
	c.ExpressionAttributeValues = encodeMap(in.ExpressionAttributeValues)
	out, err := e.Client.Query(ctx, &c, o...)
	if out != nil {
		for i, it := range out.Items {
			out.Items[i] = decodeMap(it)
		}
	}
	return out, err
}

func (e *Engine) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c := *in
	c.ExpressionAttributeValues = encodeMap(in.ExpressionAttributeValues)
	out, err := e.Client.Scan(ctx, &c, o...)
	if out != nil {
		for i, it := range out.Items {
			out.Items[i] = decodeMap(it)
		}
	}
	return out, err
}

func (e *Engine) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out, err := e.Client.BatchGetItem(ctx, in, o...)
	if out != nil {
		for _, items := range out.Responses {
			for i, it := range items {
				items[i] = decodeMap(it)
			}
		}
	}
	return out, err
}

func (e *Engine) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c := *in
	c.TransactItems = make([]types.TransactWriteItem, len(in.TransactItems))
	for i, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			p := *it.Put
			p.Item, p.ExpressionAttributeValues = encodeMap(p.Item), encodeMap(p.ExpressionAttributeValues)
			it.Put = &p
		case it.Update != nil:
			u := *it.Update
			u.ExpressionAttributeValues = encodeMap(u.ExpressionAttributeValues)
			it.Update = &u
		case it.Delete != nil:
			d := *it.Delete
			d.ExpressionAttributeValues = encodeMap(d.ExpressionAttributeValues)
			it.Delete = &d
		case it.ConditionCheck != nil:
			cc := *it.ConditionCheck
			cc.ExpressionAttributeValues = encodeMap(cc.ExpressionAttributeValues)
			it.ConditionCheck = &cc
		}
		c.TransactItems[i] = it
	}
	out, err := e.Client.TransactWriteItems(ctx, &c, o...)
	return out, decodeErr(err)
}

// decodeErr decodes the items a failed conditional write returns.
func decodeErr(err error) error {
	if ccf, ok := err.(*types.ConditionalCheckFailedException); ok && ccf.Item != nil {
		ccf.Item = decodeMap(ccf.Item)
	}
	if tce, ok := err.(*types.TransactionCanceledException); ok {
		for i := range tce.CancellationReasons {
			tce.CancellationReasons[i].Item = decodeMap(tce.CancellationReasons[i].Item)
		}
	}
	return err
}

func encodeMap(m map[string]types.AttributeValue) map[string]types.AttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = encode(v)
	}
	return out
}

func encode(v types.AttributeValue) types.AttributeValue {
	switch x := v.(type) {
	case *types.AttributeValueMemberL:
		if len(x.Value) == 0 {
			return &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: emptyMark}}}
		}
		l := make([]types.AttributeValue, len(x.Value))
		for i, e := range x.Value {
			l[i] = encode(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case *types.AttributeValueMemberM:
		if len(x.Value) == 0 {
			return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{emptyMark: &types.AttributeValueMemberNULL{Value: true}}}
		}
		return &types.AttributeValueMemberM{Value: encodeMap(x.Value)}
	}
	return v
}

func decodeMap(m map[string]types.AttributeValue) map[string]types.AttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = decode(v)
	}
	return out
}

func decode(v types.AttributeValue) types.AttributeValue {
	switch x := v.(type) {
	case *types.AttributeValueMemberL:
		if len(x.Value) == 1 {
			if s, ok := x.Value[0].(*types.AttributeValueMemberS); ok && s.Value == emptyMark {
				return &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
			}
		}
		l := make([]types.AttributeValue, len(x.Value))
		for i, e := range x.Value {
			l[i] = decode(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case *types.AttributeValueMemberM:
		if _, ok := x.Value[emptyMark]; ok && len(x.Value) == 1 {
			return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
		}
		return &types.AttributeValueMemberM{Value: decodeMap(x.Value)}
	}
	return v
}
