package store

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"tipline/shared/tip"
)

type auditItem struct {
	PK, SK string
	Type   string            `dynamodbav:"type"`
	TipID  string            `dynamodbav:"tip_id"`
	At     string            `dynamodbav:"at"`
	Actor  string            `dynamodbav:"actor"`
	Action string            `dynamodbav:"action"`
	Detail map[string]string `dynamodbav:"detail,omitempty"`
}

// auditPut is the write of one audit entry; seq keeps entries written in the
// same instant apart.
func (s *Store) auditPut(a tip.Audit, seq int) types.TransactWriteItem {
	// A random tail keeps two entries written in the same instant (two
	// reads of one tip, say) apart; the time still orders the trail.
	var tail [4]byte
	_, _ = rand.Read(tail[:])
	sk := fmt.Sprintf("AUDIT#%s#%02d#%s#%x", timeKey(a.At), seq, a.Action, tail)
	return condPut(s.table, auditItem{PK: "TIP#" + a.TipID, SK: sk, Type: "audit", TipID: a.TipID,
		At: timeKey(a.At), Actor: a.Actor, Action: a.Action, Detail: a.Detail}, &notExists)
}

// AddAudit appends entries to tips' audit trails in one transaction.
func (s *Store) AddAudit(ctx context.Context, entries ...tip.Audit) error {
	if len(entries) == 0 {
		return nil
	}
	items := make([]types.TransactWriteItem, 0, len(entries))
	for i, a := range entries {
		items = append(items, s.auditPut(a, i))
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return classify("store: add audit", err)
}

// Audit returns a tip's audit trail, oldest first.
func (s *Store) Audit(ctx context.Context, tipID string) ([]tip.Audit, error) {
	var items []auditItem
	if err := s.queryAll(ctx, "store: audit of tip "+tipID, "TIP#"+tipID, "AUDIT#", &items); err != nil {
		return nil, err
	}
	out := make([]tip.Audit, 0, len(items))
	for _, it := range items {
		out = append(out, tip.Audit{TipID: it.TipID, At: parseTime(it.At), Actor: it.Actor, Action: it.Action, Detail: it.Detail})
	}
	return out, nil
}

// SaveTip writes t over the stored tip when the stored version is still
// t.Version, with the audit entries, in one transaction. On success t has
// its new version and update time. Index keys (queue, region, campaign) are
// recomputed from t, so changes of status, urgency or region move the tip
// between queues.
//
// The first time a tip reaches status forwarded (or acknowledged) the store
// sets ForwardedAt (and AcknowledgedAt), and the campaign figures move in
// the same transaction.
//
// Errors: ErrStale (kind conflict) when the tip changed since it was read,
// not found when there is no such tip, or transient.
func (s *Store) SaveTip(ctx context.Context, t *tip.Tip, audit ...tip.Audit) error {
	op := "store: save tip " + t.ID
	// The stored state, read at the version the caller read, gives the
	// difference the write makes to the campaign figures.
	old, err := s.Tip(ctx, t.ID)
	if err != nil {
		return err
	}
	if old.Version != t.Version {
		return tip.E(tip.KindConflict, op, ErrStale)
	}
	next := *t
	next.Version = t.Version + 1
	next.UpdatedAt = s.now()
	if next.Status == tip.StatusForwarded || next.Status == tip.StatusAcknowledged {
		if next.ForwardedAt.IsZero() {
			next.ForwardedAt = next.UpdatedAt
		}
	}
	if next.Status == tip.StatusAcknowledged && next.AcknowledgedAt.IsZero() {
		next.AcknowledgedAt = next.UpdatedAt
	}
	cond := expression.Name("version").Equal(expression.Value(t.Version))
	put := condPut(s.table, toTipItem(&next), &cond)
	items := []types.TransactWriteItem{put}
	for i, a := range audit {
		a.TipID = t.ID
		if a.At.IsZero() {
			a.At = next.UpdatedAt
		}
		items = append(items, s.auditPut(a, i))
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancelledAt(err, 0) {
		return tip.E(tip.KindConflict, op, ErrStale)
	}
	if err != nil {
		return classify(op, err)
	}
	*t = next
	return nil
}
