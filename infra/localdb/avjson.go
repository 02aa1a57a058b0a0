package localdb

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The journal writes items in DynamoDB's own JSON form ({"S":"..."},
// {"N":"12"}, {"M":{...}}), so numbers keep their exact digits and sets
// stay sets: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html#Programming.LowLevelAPI.DataTypeDescriptors

func encodeItem(item map[string]types.AttributeValue) (json.RawMessage, error) {
	m := make(map[string]json.RawMessage, len(item))
	for k, v := range item {
		b, err := encodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		m[k] = b
	}
	return json.Marshal(m)
}

func encodeValue(v types.AttributeValue) ([]byte, error) {
	var w any
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		w = map[string]string{"S": v.Value}
	case *types.AttributeValueMemberN:
		w = map[string]string{"N": v.Value}
	case *types.AttributeValueMemberB:
		w = map[string][]byte{"B": v.Value}
	case *types.AttributeValueMemberBOOL:
		w = map[string]bool{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		w = map[string]bool{"NULL": true}
	case *types.AttributeValueMemberSS:
		w = map[string][]string{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		w = map[string][]string{"NS": v.Value}
	case *types.AttributeValueMemberBS:
		w = map[string][][]byte{"BS": v.Value}
	case *types.AttributeValueMemberM:
		b, err := encodeItem(v.Value)
		if err != nil {
			return nil, err
		}
		w = map[string]json.RawMessage{"M": b}
	case *types.AttributeValueMemberL:
		l := make([]json.RawMessage, len(v.Value))
		for i, e := range v.Value {
			b, err := encodeValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = b
		}
		w = map[string][]json.RawMessage{"L": l}
	case nil:
		return []byte("null"), nil
	default:
		return nil, fmt.Errorf("unknown attribute value %T", v)
	}
	return json.Marshal(w)
}

func decodeItem(raw json.RawMessage) (map[string]types.AttributeValue, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("no item")
	}
	item := make(map[string]types.AttributeValue, len(m))
	for k, b := range m {
		v, err := decodeValue(b)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		item[k] = v
	}
	return item, nil
}

func decodeValue(raw json.RawMessage) (types.AttributeValue, error) {
	var w struct {
		S    *string
		N    *string
		B    []byte
		BOOL *bool
		NULL *bool
		SS   []string
		NS   []string
		BS   [][]byte
		M    json.RawMessage
		L    []json.RawMessage
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	switch {
	case w.S != nil:
		return &types.AttributeValueMemberS{Value: *w.S}, nil
	case w.N != nil:
		return &types.AttributeValueMemberN{Value: *w.N}, nil
	case w.B != nil:
		return &types.AttributeValueMemberB{Value: w.B}, nil
	case w.BOOL != nil:
		return &types.AttributeValueMemberBOOL{Value: *w.BOOL}, nil
	case w.NULL != nil:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case w.SS != nil:
		return &types.AttributeValueMemberSS{Value: w.SS}, nil
	case w.NS != nil:
		return &types.AttributeValueMemberNS{Value: w.NS}, nil
	case w.BS != nil:
		return &types.AttributeValueMemberBS{Value: w.BS}, nil
	case w.M != nil:
		m, err := decodeItem(w.M)
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case w.L != nil:
		l := make([]types.AttributeValue, len(w.L))
		for i, e := range w.L {
			v, err := decodeValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = v
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	}
	return nil, errors.New("a value without a DynamoDB type")
}
