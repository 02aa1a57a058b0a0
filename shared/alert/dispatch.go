package alert

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"tipline/shared/consent"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// retries bounds the read-modify-write loops that lose optimistic races.
const retries = 5

// audit is an entry of the tip's trail, stamped with a time no earlier
// than the dispatcher's previous entry: entries written in one instant
// (a pinned clock, a coarse one) must not share a key.
func (x *Dispatcher) audit(actor, action string, detail map[string]string) tip.Audit {
	return tip.Audit{At: x.stamp(), Actor: actor, Action: action, Detail: detail}
}

func (x *Dispatcher) stamp() time.Time {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.d.Now()
	if !now.After(x.lastStamp) {
		now = x.lastStamp.Add(time.Microsecond)
	}
	x.lastStamp = now
	return now
}

// Dispatch forwards a reportable tip that has not been forwarded yet: it
// resolves the route, writes the first tier's alerts and marks the tip
// forwarded. An adult victim's tip waits for consent instead. It is
// idempotent: a tip already routed only gets its missing alerts written (a
// crash between the steps), and a tip that is not reportable, not in the
// triaged queue or unknown is left alone.
//
// Errors: transient (try again; nothing is lost).
func (x *Dispatcher) Dispatch(ctx context.Context, tipID string) error {
	for attempt := 0; attempt < retries; attempt++ {
		err := x.dispatch(ctx, tipID)
		if !errors.Is(err, store.ErrStale) {
			return err
		}
	}
	return tip.Errorf(tip.KindTransient, "alert: dispatch "+tipID, "gave up after repeated conflicts")
}

func (x *Dispatcher) dispatch(ctx context.Context, tipID string) error {
	log := x.d.Log.With("tip_id", tipID)
	t, err := x.d.Store.Tip(ctx, tipID)
	if tip.Is(err, tip.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	r, err := x.d.Store.Route(ctx, tipID)
	switch {
	case tip.Is(err, tip.KindNotFound):
		r = tip.Route{TipID: tipID}
	case err != nil:
		return err
	}
	switch r.State {
	case tip.RouteRouted, tip.RouteAcknowledged, tip.RouteExhausted:
		// Routed before: write what a crash may have left out.
		if err := x.writeAlerts(ctx, t, r, "system"); err != nil {
			return err
		}
		return x.markForwarded(ctx, t, "system")
	case tip.RouteDeclined, tip.RouteUnrouted:
		return nil // staff decide
	}
	if !t.Reportable || t.Status != tip.StatusTriaged {
		return nil
	}
	if consent.Pending(t, r) {
		if r.State == tip.RouteAwaitingConsent {
			return nil
		}
		if err := x.consent.Ask(ctx, t, &r); err != nil {
			return err
		}
		log.Info("alert waits for consent")
		return nil
	}
	authorities, rules, err := x.dir.get(ctx)
	if err != nil {
		return err
	}
	targets, ruleIDs := Plan(t.Triage, rules, authorities)
	if len(targets) == 0 {
		r.State = tip.RouteUnrouted
		if err := x.d.Store.SaveRoute(ctx, &r, x.audit("system", "route.none", map[string]string{
			"region": t.Region, "category": t.Category, "urgency": string(t.Urgency), "minor": strconv.FormatBool(t.Minor)})); err != nil {
			return err
		}
		log.Warn("no route for a reportable tip", "region", t.Region, "urgency", t.Urgency)
		return nil
	}
	now := x.d.Now()
	r.State, r.Targets, r.Rules, r.Tier = tip.RouteRouted, targets, ruleIDs, targets[0].Tier
	if d := x.escalateAfter(t.Urgency); d > 0 {
		r.EscalateAt = now.Add(d)
	}
	detail := map[string]string{"rules": strings.Join(ruleIDs, ","), "tier": strconv.Itoa(r.Tier),
		"authorities": strings.Join(authoritiesAt(targets, r.Tier), ","), "urgency": string(t.Urgency),
		"region": t.Region, "minor": strconv.FormatBool(t.Minor), "consent": string(r.Consent)}
	if err := x.d.Store.SaveRoute(ctx, &r, x.audit("system", "route", detail)); err != nil {
		return err
	}
	log.Info("tip routed", "rules", strings.Join(ruleIDs, ","), "tier", r.Tier, "targets", len(targets))
	if err := x.writeAlerts(ctx, t, r, "system"); err != nil {
		return err
	}
	return x.markForwarded(ctx, t, "system")
}

// authoritiesAt lists the authorities with a target at tier.
func authoritiesAt(targets []tip.Target, tier int) []string {
	var out []string
	for _, t := range targets {
		if t.Tier == tier && !slices.Contains(out, t.AuthorityID) {
			out = append(out, t.AuthorityID)
		}
	}
	return out
}

// writeAlerts writes a pending alert for every target of the route up to
// its tier that has none. Existing alerts are never touched.
func (x *Dispatcher) writeAlerts(ctx context.Context, t *tip.Tip, r tip.Route, actor string) error {
	for _, tg := range r.Targets {
		if tg.Tier > r.Tier {
			continue
		}
		if err := x.writeAlert(ctx, t.ID, tg, actor); err != nil {
			return err
		}
	}
	return nil
}

func (x *Dispatcher) writeAlert(ctx context.Context, tipID string, tg tip.Target, actor string) error {
	a := tip.Alert{TipID: tipID, AuthorityID: tg.AuthorityID, Contact: tg.Contact, Channel: tg.Channel,
		Address: tg.Address, Tier: tg.Tier, Actor: actor}
	err := x.d.Store.CreateAlert(ctx, a)
	if errors.Is(err, store.ErrAlertExists) {
		return nil
	}
	if err != nil {
		return err
	}
	x.d.Log.Info("alert queued", "tip_id", tipID, "authority_id", tg.AuthorityID, "contact", tg.Contact, "tier", tg.Tier)
	return x.d.Store.AddAudit(ctx, tip.Audit{TipID: tipID, At: x.stamp(), Actor: actor, Action: "alert.queued",
		Detail: map[string]string{"authority": tg.AuthorityID, "contact": strconv.Itoa(tg.Contact), "tier": strconv.Itoa(tg.Tier), "channel": string(tg.Channel)}})
}

// markForwarded moves a tip from the triaged queue to forwarded.
func (x *Dispatcher) markForwarded(ctx context.Context, t *tip.Tip, actor string) error {
	for attempt := 0; attempt < retries; attempt++ {
		if t.Status != tip.StatusTriaged && t.Status != tip.StatusNew {
			return nil
		}
		t.Status = tip.StatusForwarded
		err := x.d.Store.SaveTip(ctx, t, x.audit(actor, "forwarded", nil))
		if !errors.Is(err, store.ErrStale) {
			return err
		}
		if t, err = x.d.Store.Tip(ctx, t.ID); err != nil {
			return err
		}
	}
	return tip.Errorf(tip.KindTransient, "alert: forward "+t.ID, "gave up after repeated conflicts")
}

// Forward sends a tip to an authority by hand (staff): the authority's
// contacts join the tip's route at the tier being alerted (contacts the
// route has at a later tier move up to it), their alerts go
// through the same exactly-once pipeline, and the tip is marked forwarded.
// Forwarding again to the same authority alerts nobody twice. The tip then
// escalates as any routed tip of its urgency.
//
// Errors: not found (tip or authority), invalid (inactive authority or one
// without contacts), transient.
func (x *Dispatcher) Forward(ctx context.Context, tipID, authorityID, actor string) error {
	op := fmt.Sprintf("alert: forward %s to %s", tipID, authorityID)
	a, err := x.d.Store.Authority(ctx, authorityID)
	if err != nil {
		return err
	}
	if !a.Active || len(a.Contacts) == 0 {
		return tip.Errorf(tip.KindInvalid, op, "authority is inactive or has no contacts")
	}
	for attempt := 0; attempt < retries; attempt++ {
		t, err := x.d.Store.Tip(ctx, tipID)
		if err != nil {
			return err
		}
		r, err := x.d.Store.Route(ctx, tipID)
		switch {
		case tip.Is(err, tip.KindNotFound):
			r = tip.Route{TipID: tipID}
		case err != nil:
			return err
		}
		base := max(r.Tier, 1)
		lowest := 10
		for _, c := range a.Contacts {
			lowest = min(lowest, c.Tier)
		}
		added, lowered := 0, 0
		for _, tg := range contactsAt(a, base-lowest+1) {
			i := slices.IndexFunc(r.Targets, func(o tip.Target) bool { return o.AuthorityID == tg.AuthorityID && o.Contact == tg.Contact })
			switch {
			case i < 0:
				r.Targets = append(r.Targets, tg)
				added++
			case r.Targets[i].Tier > tg.Tier:
				// The route has this contact at a later tier: staff want it
				// now, and writeAlerts alerts no tier above the route's.
				r.Targets[i].Tier = tg.Tier
				lowered++
			}
		}
		// Keep targets ordered by tier (nextContact relies on it).
		slices.SortStableFunc(r.Targets, func(p, q tip.Target) int { return p.Tier - q.Tier })
		switch r.State {
		case tip.RouteRouted, tip.RouteAcknowledged:
		default:
			r.State = tip.RouteRouted
			if d := x.escalateAfter(t.Urgency); d > 0 {
				r.EscalateAt = x.d.Now().Add(d)
			}
		}
		r.Tier = base
		err = x.d.Store.SaveRoute(ctx, &r, x.audit(actor, "forward", map[string]string{"authority": authorityID, "tier": strconv.Itoa(base),
			"contacts_added": strconv.Itoa(added), "contacts_moved_up": strconv.Itoa(lowered)}))
		if errors.Is(err, store.ErrStale) {
			continue
		}
		if err != nil {
			return err
		}
		x.d.Log.Info("tip forwarded by hand", "tip_id", tipID, "authority_id", authorityID, "tier", base)
		if err := x.writeAlerts(ctx, t, r, actor); err != nil {
			return err
		}
		return x.markForwarded(ctx, t, actor)
	}
	return tip.Errorf(tip.KindTransient, op, "gave up after repeated conflicts")
}

// Escalate alerts the next tier of a routed tip whose escalation time has
// come and no authority acknowledged; with no tier left the route is
// exhausted. A tip closed or marked spam meanwhile stops escalating; one
// that staff marked acknowledged does not. The alerts of
// the tier reached are written before the route records it, so a failed
// write is retried by the next sweep. It is idempotent: a route not due is
// left alone, and concurrent sweeps escalate once.
//
// Errors: transient.
func (x *Dispatcher) Escalate(ctx context.Context, tipID string) error {
	log := x.d.Log.With("tip_id", tipID)
	for attempt := 0; attempt < retries; attempt++ {
		r, err := x.d.Store.Route(ctx, tipID)
		if tip.Is(err, tip.KindNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := x.d.Now()
		if r.State != tip.RouteRouted || r.EscalateAt.IsZero() || r.EscalateAt.After(now) {
			return nil
		}
		t, err := x.d.Store.Tip(ctx, tipID)
		if err != nil {
			return err
		}
		switch t.Status {
		case tip.StatusClosed, tip.StatusSpam:
			// Closed or spam (a supervisor's, with a note, for a tip about a
			// minor or danger now): stop escalating, keep the route as is.
			// A tip acknowledged is not: only an authority's acknowledgement
			// (Acknowledge) acknowledges the route, and it stops escalation
			// itself.
			r.EscalateAt = time.Time{}
			err = x.d.Store.SaveRoute(ctx, &r, x.audit("system", "escalation.stopped", map[string]string{"status": string(t.Status)}))
			if errors.Is(err, store.ErrStale) {
				continue
			}
			return err
		}
		next := 0
		for _, tg := range r.Targets {
			if tg.Tier > r.Tier && (next == 0 || tg.Tier < next) {
				next = tg.Tier
			}
		}
		if next == 0 {
			// The last tier's alerts first, should writing them have failed
			// when the route reached it: once exhausted nothing writes them.
			if err := x.writeAlerts(ctx, t, r, "system"); err != nil {
				return err
			}
			r.State, r.EscalateAt = tip.RouteExhausted, time.Time{}
			err = x.d.Store.SaveRoute(ctx, &r, x.audit("system", "escalation.exhausted", map[string]string{"tier": strconv.Itoa(r.Tier)}))
			if errors.Is(err, store.ErrStale) {
				continue
			}
			if err == nil {
				log.Warn("escalation exhausted: no tier left and nobody acknowledged", "tier", r.Tier)
			}
			return err
		}
		from := r.Tier
		r.Tier = next
		// Alerts up to the next tier before the route moves there: should a
		// write fail, the route is still due and the next sweep writes them
		// again (each alert is written once); saved first, nothing would
		// retry them until the following escalation, or ever at the last tier.
		if err := x.writeAlerts(ctx, t, r, "system"); err != nil {
			return err
		}
		r.EscalateAt = now.Add(x.escalateAfter(t.Urgency))
		if x.escalateAfter(t.Urgency) == 0 {
			r.EscalateAt = time.Time{}
		}
		err = x.d.Store.SaveRoute(ctx, &r, x.audit("system", "escalate", map[string]string{"from_tier": strconv.Itoa(from),
			"tier": strconv.Itoa(next), "authorities": strings.Join(authoritiesAt(r.Targets, next), ",")}))
		if errors.Is(err, store.ErrStale) {
			continue
		}
		if err != nil {
			return err
		}
		log.Info("tip escalated", "from_tier", from, "tier", next)
		return nil
	}
	return tip.Errorf(tip.KindTransient, "alert: escalate "+tipID, "gave up after repeated conflicts")
}

// nextContact is what follows an alert that cannot reach its contact
// (permanent error, undelivered): the authority's next contact without an
// alert is alerted now; when the authority has none left and no alert of
// the tip's current tier is still alive, the tip escalates now.
func (x *Dispatcher) nextContact(ctx context.Context, failed tip.Alert) error {
	r, err := x.d.Store.Route(ctx, failed.TipID)
	if tip.Is(err, tip.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.State != tip.RouteRouted {
		return nil
	}
	alerts, err := x.d.Store.Alerts(ctx, failed.TipID)
	if err != nil {
		return err
	}
	has := func(tg tip.Target) bool {
		return slices.ContainsFunc(alerts, func(a tip.Alert) bool { return a.AuthorityID == tg.AuthorityID && a.Contact == tg.Contact })
	}
	for _, tg := range r.Targets { // ordered by tier, then contact
		if tg.AuthorityID == failed.AuthorityID && !has(tg) {
			if err := x.writeAlert(ctx, failed.TipID, tg, "system"); err != nil {
				return err
			}
			return x.d.Store.AddAudit(ctx, tip.Audit{TipID: failed.TipID, At: x.stamp(), Actor: "system", Action: "alert.next_contact",
				Detail: map[string]string{"authority": tg.AuthorityID, "failed_contact": strconv.Itoa(failed.Contact), "contact": strconv.Itoa(tg.Contact)}})
		}
	}
	// When nobody up to the route's tier can be reached any more, escalate
	// without waiting, tier after tier, until someone may read it or no
	// tier is left.
	for round := 0; round < 10; round++ {
		if r.State != tip.RouteRouted {
			return nil
		}
		alive := slices.ContainsFunc(alerts, func(a tip.Alert) bool {
			return a.Tier <= r.Tier && a.Status != tip.AlertFailed && a.Status != tip.AlertCancelled &&
				!(a.Status == tip.AlertSent && tip.DeliveryRank(a.Delivery) == 9)
		})
		if alive {
			return nil
		}
		r.EscalateAt = x.d.Now()
		err = x.d.Store.SaveRoute(ctx, &r, x.audit("system", "escalation.early", map[string]string{"tier": strconv.Itoa(r.Tier), "reason": "no contact reachable"}))
		if err != nil && !errors.Is(err, store.ErrStale) {
			return err
		}
		if err == nil {
			if err := x.Escalate(ctx, failed.TipID); err != nil {
				return err
			}
		}
		if r, err = x.d.Store.Route(ctx, failed.TipID); err != nil {
			return err
		}
		if alerts, err = x.d.Store.Alerts(ctx, failed.TipID); err != nil {
			return err
		}
	}
	return nil
}
