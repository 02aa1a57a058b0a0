// Package app is the tip line's one composition root: it turns one
// validated configuration (shared/config) and the outside clients
// (DynamoDB, Twilio, clock, logger) into every handler the system has. The
// Lambda functions, `tipline serve` and the end-to-end tests all build
// through it, so no wiring can leave a part out: the alert interceptor
// (authorities' messages), consent's interceptor (reporters' SI/NO) and the
// consent question are wired into the webhook here and nowhere else.
package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/alert"
	"tipline/shared/campaign"
	"tipline/shared/caselink"
	"tipline/shared/config"
	"tipline/shared/consent"
	"tipline/shared/console"
	"tipline/shared/contact"
	"tipline/shared/edge"
	"tipline/shared/evidence"
	"tipline/shared/intake"
	"tipline/shared/metric"
	"tipline/shared/reconcile"
	"tipline/shared/reply"
	"tipline/shared/secret"
	"tipline/shared/staff"
	"tipline/shared/store"
	"tipline/shared/tip"
	"tipline/shared/triage"
	"tipline/shared/twilio"
)

// AttributionCacheTTL is how long a warm function keeps what it read of
// campaigns and material codes.
const AttributionCacheTTL = time.Minute

// Clients are the outside world the handlers talk to. DB is required; the
// rest have defaults for Lambda.
type Clients struct {
	DB store.API
	// Twilio sends alerts and staff replies; nil: a sender built from the
	// configuration (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_API_URL)
	// over Transport.
	Twilio *twilio.Sender
	// Transport carries the requests of a sender built here (default
	// http.DefaultTransport).
	Transport http.RoundTripper
	// MediaAccount is the Twilio account media are fetched with when the
	// configuration names none (serve's fake).
	MediaAccount string
	// MediaClient fetches media (nil: a default client); serve's takes
	// api.twilio.com to its fake Twilio's media.
	MediaClient *http.Client
	// StaffAuth checks staff tokens; nil: the claims of API Gateway's JWT
	// authorizer, for JWT_ISSUER.
	StaffAuth staff.Authenticator
	Now       tip.Clock // nil: time.Now
	Log       *slog.Logger
	// Metrics is where the handlers write their CloudWatch EMF lines
	// (stdout in Lambda, serve's output locally); nil writes none.
	Metrics io.Writer
	// Function names the metrics' Function dimension; empty: the function
	// of the first handler built (a Lambda builds one).
	Function string
}

// countersTTL is how long campaign figures, recounted from the campaign
// index, are kept before the next recount.
const countersTTL = 5 * time.Second

// StreamHandler is a DynamoDB Stream consumer, as Lambda calls it.
type StreamHandler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// App builds the handlers of one configuration. It does no I/O; what a
// handler needs is built once, on first use, and shared by the handlers.
type App struct {
	cfg   config.Config
	needs config.Need
	c     Clients
	store *store.Store

	mu         sync.Mutex
	book       *reply.Book
	keeper     *contact.Keeper
	sender     *twilio.Sender
	dispatcher *alert.Dispatcher
	function   string
	recorder   *metric.Recorder
}

// New returns the builder of the handlers of a configuration validated for
// needs (config.FromEnv or Config.Validate). Alerts are sent only where
// needs include config.Sending.
func New(cfg config.Config, needs config.Need, c Clients) *App {
	if c.Log == nil {
		c.Log = edge.Logger(os.Stdout, cfg.LogLevel)
	}
	return &App{cfg: cfg, needs: needs, c: c, store: store.New(c.DB, cfg.Table, c.Now, store.WithCountersCache(countersTTL)).WithRetention(cfg.Retention)}
}

// named records the function of the first handler built, for the metrics.
func (a *App) named(function string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.function == "" {
		a.function = function
	}
}

// Metrics is the recorder the handlers share (nil without Clients.Metrics).
func (a *App) Metrics() *metric.Recorder {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.recorder == nil && a.c.Metrics != nil {
		name := a.c.Function
		if name == "" {
			name = a.function
		}
		var now func() time.Time
		if a.c.Now != nil {
			now = a.c.Now
		}
		a.recorder = metric.New(a.c.Metrics, name, now)
	}
	return a.recorder
}

// Lambda is a function's start: the secret read, the configuration read
// from the environment for needs, the JSON logger and the DynamoDB client.
// A problem stops the function with a message naming every one.
func Lambda(needs config.Need) *App {
	awsCfg, getenv, err := secret.Load(context.Background(), os.Getenv)
	edge.Must(err)
	cfg, err := config.FromEnv(getenv, needs)
	edge.Must(err)
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	return New(cfg, needs, Clients{DB: dynamodb.NewFromConfig(awsCfg, store.ClientOptions(nil, 0, log)), Log: log, Metrics: os.Stdout})
}

// Must returns v, or stops the function on err.
func Must[T any](v T, err error) T {
	edge.Must(err)
	return v
}

// Store is the table the handlers share.
func (a *App) Store() *store.Store { return a.store }

// Config is the validated configuration the app was built from.
func (a *App) Config() config.Config { return a.cfg }

// Webhook is receive-message: POST /twilio/messages. Authorities' messages
// (alert's interceptor) and then reporters' consent answers (consent's) are
// taken before a message can become a tip, and the reply asks the consent
// question where consent.Needed says, as the dispatcher waits for it there.
func (a *App) Webhook() (*intake.Handler, error) {
	a.named("receive-message")
	d, err := a.intakeDeps()
	if err != nil {
		return nil, err
	}
	x, err := a.Dispatcher()
	if err != nil {
		return nil, err
	}
	q := consent.NewQuestions(a.store, d.Replies, a.c.Log, a.c.Now)
	d.Interceptors = []intake.Interceptor{x.Interceptor(), q.Interceptor()}
	d.AskConsent = consent.Needed
	return intake.New(d), nil
}

// Contacts is the keeper of reporter hashes and sealed numbers.
func (a *App) Contacts() (*contact.Keeper, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.keeper == nil {
		k, err := contact.NewKeeper([]byte(a.cfg.ReporterSecret), a.sealKey())
		if err != nil {
			return nil, err
		}
		a.keeper = k
	}
	return a.keeper, nil
}

func (a *App) sealKey() []byte {
	if a.cfg.Anonymous {
		return nil
	}
	return a.cfg.ContactKey
}

func (a *App) intakeDeps() (intake.Deps, error) {
	engine, err := triage.New()
	if err != nil {
		return intake.Deps{}, err
	}
	book, err := a.replies()
	if err != nil {
		return intake.Deps{}, err
	}
	keeper, err := a.Contacts()
	if err != nil {
		return intake.Deps{}, err
	}
	return intake.Deps{
		Store: a.store, Triage: engine, Replies: book, Contacts: keeper,
		Attributor: campaign.NewAttributor(a.store, a.c.Now, AttributionCacheTTL),
		Validator:  a.Validator(), Log: a.c.Log, Window: a.cfg.Window, AccountSID: a.cfg.AccountSID, Now: a.c.Now,
		Metrics: a.Metrics(), FloodLimit: a.cfg.FloodLimit, FloodWindow: a.cfg.FloodWindow,
	}, nil
}

// Validator checks the signatures of Twilio's webhooks to this deployment.
func (a *App) Validator() *twilio.Validator {
	return twilio.NewValidator(a.cfg.AuthToken, a.cfg.PublicBaseURL)
}

func (a *App) replies() (*reply.Book, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.book == nil {
		b, err := reply.Load()
		if err != nil {
			return nil, err
		}
		a.book = b
	}
	return a.book, nil
}

// Sender is the Twilio client of alerts and staff replies.
func (a *App) Sender() (*twilio.Sender, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sender == nil {
		if a.c.Twilio != nil {
			a.sender = a.c.Twilio
		} else {
			s, err := twilio.NewSender(twilio.SenderConfig{AccountSID: a.cfg.AccountSID, AuthToken: a.cfg.AuthToken,
				APIURL: a.cfg.TwilioAPIURL, Transport: a.c.Transport})
			if err != nil {
				return nil, err
			}
			a.sender = s
		}
	}
	return a.sender, nil
}

// Dispatcher is the alert pipeline, one for all the handlers. It sends only
// where the needs include config.Sending; elsewhere it writes alerts that
// send-alerts sends.
func (a *App) Dispatcher() (*alert.Dispatcher, error) {
	a.mu.Lock()
	built := a.dispatcher
	a.mu.Unlock()
	if built != nil {
		return built, nil
	}
	texts, err := alert.LoadTexts()
	if err != nil {
		return nil, err
	}
	book, err := a.replies()
	if err != nil {
		return nil, err
	}
	d := alert.Deps{Store: a.store, Texts: texts, Replies: book, Log: a.c.Log, Now: a.c.Now, Metrics: a.Metrics()}
	if a.needs&config.Sending != 0 {
		s, err := a.Sender()
		if err != nil {
			return nil, err
		}
		d.Messenger = s
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dispatcher == nil {
		c := a.cfg
		a.dispatcher = alert.New(alert.Config{
			From: c.AlertFrom, WhatsAppFrom: c.WhatsAppFrom, WhatsAppContentSID: c.WhatsAppContentSID,
			StatusCallbackURL: c.StatusCallbackURL(), CampaignContact: c.CampaignContact,
			EscalateCritical: c.EscalateCritical, EscalateHigh: c.EscalateHigh,
			Lease: c.Lease, MaxAttempts: c.MaxAttempts, Grace: c.Grace, PassBudget: c.PassBudget, CaseLink: a.caseLinkOf(),
		}, d)
	}
	return a.dispatcher, nil
}

// MessageStatus is message-status: POST /twilio/status, Twilio's delivery
// status callbacks of alerts.
func (a *App) MessageStatus() (http.Handler, error) {
	a.named("message-status")
	x, err := a.Dispatcher()
	if err != nil {
		return nil, err
	}
	return x.StatusHandler(a.Validator(), a.cfg.AccountSID), nil
}

// DispatchAlerts is dispatch-alerts: the tip stream routed to alerts.
func (a *App) DispatchAlerts() (StreamHandler, error) {
	a.named("dispatch-alerts")
	x, err := a.Dispatcher()
	if err != nil {
		return nil, err
	}
	return x.HandleTipStream, nil
}

// SendAlerts is send-alerts: the alert stream sent through Twilio.
func (a *App) SendAlerts() (StreamHandler, error) {
	a.named("send-alerts")
	x, err := a.Dispatcher()
	if err != nil {
		return nil, err
	}
	return x.HandleAlertStream, nil
}

// Escalate is escalate: one sweep (due alerts, escalations, tips whose
// stream record was lost), its counts logged, its errors returned so that
// they surface in the function's error metric.
func (a *App) Escalate() (func(context.Context) error, error) {
	a.named("escalate")
	x, err := a.Dispatcher()
	if err != nil {
		return nil, err
	}
	log := a.c.Log
	return func(ctx context.Context) error {
		res, err := x.Sweep(ctx)
		log.Info("sweep done", "alerts", res.Alerts, "escalations", res.Escalations, "dispatched", res.Dispatched)
		return err
	}, nil
}

// StaffAPI is staff-api: /api/*. Manual forwards go through the alert
// pipeline, replies through the Twilio sender.
func (a *App) StaffAPI() (*staff.Handler, error) {
	a.named("staff-api")
	keeper, err := a.Contacts()
	if err != nil {
		return nil, err
	}
	sender, err := a.Sender()
	if err != nil {
		return nil, err
	}
	x, err := a.Dispatcher()
	if err != nil {
		return nil, err
	}
	auth := a.c.StaffAuth
	if auth == nil {
		auth = staff.GatewayClaims{Issuer: a.cfg.JWTIssuer}
	}
	account := a.cfg.AccountSID
	if account == "" {
		account = a.c.MediaAccount
	}
	return staff.New(staff.Deps{
		Store: a.store, Auth: auth, Log: a.c.Log, Contacts: keeper, Sender: sender, Forwarder: x,
		Media:    staff.TwilioMedia{Client: a.c.MediaClient, AccountSID: account, AuthToken: a.cfg.AuthToken, Hosts: a.cfg.MediaHosts},
		MediaKey: staff.MediaKey([]byte(a.cfg.ReporterSecret)), Now: a.c.Now,
		EvidenceKey: evidence.Key(a.cfg.EvidenceKey, a.cfg.ReporterSecret),
	}), nil
}

// Reconciler recovers the messages whose webhook failed from Twilio's
// message log, through the webhook itself (Webhook), so that the same
// dedupe, interceptors and replies hold, and answers their reporters
// through the Twilio sender.
func (a *App) Reconciler() (*reconcile.Reconciler, error) {
	webhook, err := a.Webhook()
	if err != nil {
		return nil, err
	}
	sender, err := a.Sender()
	if err != nil {
		return nil, err
	}
	c := a.cfg
	return reconcile.New(reconcile.Config{Numbers: c.ReconcileNumbers, Margin: c.ReconcileMargin, Settle: c.ReconcileSettle, Window: c.Window},
		reconcile.Deps{Store: a.store, Log: sender, Intake: webhook, Messenger: sender, Logger: a.c.Log, Now: a.c.Now}), nil
}

// ReconcileMessages is reconcile-messages: one reconcile pass (its runs
// log their counts; see reconcile.Reconciler.Pass), the last run's error
// returned so that it surfaces in the function's error metric.
func (a *App) ReconcileMessages() (func(context.Context) error, error) {
	r, err := a.Reconciler()
	if err != nil {
		return nil, err
	}
	log := a.c.Log
	return func(ctx context.Context) error {
		_, err := r.Pass(ctx)
		if err != nil {
			log.Error("reconcile failed; the next run goes on from the checkpoints", "error", err.Error())
		}
		return err
	}, nil
}

// CaseLinks signs the case page links alerts carry, with a key derived
// from REPORTER_KEY_SECRET; its Key is nil when CASE_LINK_TTL is 0 or the
// function has no secret, and alerts then carry no link.
func (a *App) CaseLinks() caselink.Signer {
	if a.cfg.CaseLinkTTL <= 0 || a.cfg.ReporterSecret == "" || a.cfg.PublicBaseURL == "" {
		return caselink.Signer{}
	}
	return caselink.Signer{Key: caselink.Key([]byte(a.cfg.ReporterSecret)), TTL: a.cfg.CaseLinkTTL, Now: a.c.Now}
}

// caseLinkOf returns the alert's case link, issued now, or nil for none.
func (a *App) caseLinkOf() func(tip.Alert) string {
	s := a.CaseLinks()
	if s.Key == nil {
		return nil
	}
	now := a.c.Now
	if now == nil {
		now = time.Now
	}
	base := a.cfg.PublicBaseURL
	return func(al tip.Alert) string {
		tok, err := s.Token(caselink.Claim{TipID: al.TipID, AuthorityID: al.AuthorityID, Contact: al.Contact, Issued: now()})
		if err != nil {
			return ""
		}
		return base + "/case/" + tok
	}
}

// Console is the staff console's page under /console/; localSignin, for
// serve only, issues tokens at /console/local-signin.
func (a *App) Console(localSignin func(role string, regions []string) (string, error)) (*console.Handler, error) {
	return console.New(console.Config{CognitoDomain: a.cfg.CognitoDomain, ClientID: a.cfg.ConsoleClientID,
		PublicBaseURL: a.cfg.PublicBaseURL, LocalSignin: localSignin})
}

// StaffSite is what the staff-api function serves on one origin: the API
// under /api/, the console under /console/ (GET / leads there) and the
// case page of alerted authorities under /case/ when links are on.
// localSignin is serve's (nil in Lambda).
func (a *App) StaffSite(localSignin func(role string, regions []string) (string, error)) (http.Handler, error) {
	api, err := a.StaffAPI()
	if err != nil {
		return nil, err
	}
	con, err := a.Console(localSignin)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/console/", con)
	mux.Handle("/console", con)
	mux.Handle("GET /{$}", http.RedirectHandler("/console/", http.StatusFound))
	if s := a.CaseLinks(); s.Key != nil {
		x, err := a.Dispatcher()
		if err != nil {
			return nil, err
		}
		page := &caselink.Page{Signer: s, Store: a.store, Ack: x, Log: a.c.Log, MediaLink: api.MediaLink,
			CSS: con.AssetURL("style.css"), CSP: caselink.CSP}
		mux.Handle("GET /case/{token}", page)
		mux.Handle("POST /case/{token}/ack", page)
	}
	return mux, nil
}
