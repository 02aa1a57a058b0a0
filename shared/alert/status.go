package alert

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tipline/shared/metric"
	"tipline/shared/tip"
	"tipline/shared/twilio"
)

// ParseAlertKey reads the "<tip id>/<authority id>/<contact>" of an alert.
func ParseAlertKey(s string) (tip.AlertKey, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 || parts[0] == "" || !tip.ValidID(parts[1]) {
		return tip.AlertKey{}, false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n < 0 || n > 99 {
		return tip.AlertKey{}, false
	}
	return tip.AlertKey{TipID: parts[0], AuthorityID: parts[1], Contact: n}, true
}

// StatusHandler answers Twilio's status callbacks at POST /twilio/status
// (the alert named in the "alert" query parameter the sender set). The
// signature is checked as on every webhook; the status is recorded only if
// it ranks above the recorded one, so callbacks arriving late or twice
// change nothing. A message that failed or went undelivered moves the
// alert on to the authority's next contact. accountSID, when set, refuses
// other accounts.
func (x *Dispatcher) StatusHandler(v *twilio.Validator, accountSID string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() { x.d.Metrics.Duration(metric.WebhookDuration, time.Since(start)) }()
		log := x.d.Log.With("request_id", r.Header.Get("X-Request-Id"))
		form, rf := v.ReadSigned(w, r, accountSID)
		if rf != nil {
			x.d.Metrics.Count(metric.WebhookRefused, 1, metric.Reason(rf.Reason))
			twilio.Refuse(w, log, "status callback refused", rf)
			return
		}
		k, ok := ParseAlertKey(r.URL.Query().Get("alert"))
		sid, status := form.Get("MessageSid"), form.Get("MessageStatus")
		if status == "" {
			status = form.Get("SmsStatus")
		}
		if !ok || sid == "" {
			log.Info("status callback ignored", "reason", "no alert or MessageSid")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		code, _ := strconv.Atoi(form.Get("ErrorCode"))
		log = log.With("tip_id", k.TipID, "authority_id", k.AuthorityID, "contact", k.Contact, "message_sid", sid, "message_status", status)
		var audit []tip.Audit
		if tip.DeliveryRank(status) == 9 || status == "delivered" || status == "read" {
			// The status and its audit entry are written together: should
			// either fail, the callback answers 503 and Twilio's retry
			// records both.
			a, err := x.d.Store.Alert(r.Context(), k)
			if answeredStoreError(w, log, err) {
				return
			}
			audit = append(audit, x.alertAudit(a, "alert."+status, map[string]string{"sid": sid, "error_code": strconv.Itoa(code)}))
		}
		a, recorded, err := x.d.Store.RecordDelivery(r.Context(), k, sid, status, code, audit...)
		switch {
		case answeredStoreError(w, log, err):
			return
		case !recorded:
			log.Info("status callback out of order or repeated: kept the recorded status", "recorded_status", a.Delivery)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		log.Info("delivery status recorded", "error_code", code)
		switch {
		case tip.DeliveryRank(status) == 9:
			x.d.Metrics.Count(metric.AlertsFailed, 1, metric.Channel(string(a.Channel)))
		case status == "delivered" || status == "read":
			x.d.Metrics.Count(metric.AlertsDelivered, 1, metric.Channel(string(a.Channel)))
		}
		if tip.DeliveryRank(status) == 9 {
			if err := x.nextContact(r.Context(), a); err != nil {
				// Twilio does not retry callbacks reliably; the sweep's
				// escalation still covers this tier.
				log.Error("next contact not alerted", "error", err.Error())
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// answeredStoreError answers a status callback whose store call failed and
// says whether it did: an unknown alert is 204 (Twilio need not retry it),
// any other failure 503, so that Twilio's retry records the status.
func answeredStoreError(w http.ResponseWriter, log *slog.Logger, err error) bool {
	switch {
	case err == nil:
		return false
	case tip.Is(err, tip.KindNotFound):
		log.Info("status callback for an unknown alert")
		w.WriteHeader(http.StatusNoContent)
	default:
		log.Error("status not recorded", "error", err.Error())
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
	}
	return true
}
