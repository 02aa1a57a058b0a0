package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
	"tipline/shared/alert"
	"tipline/shared/twilio"

	"tipline/infra/localdb"
	"tipline/shared/edge"
	"tipline/shared/intake"
	"tipline/shared/store"
	"tipline/shared/tip"
)

type serveConfig struct {
	addr, publicURL, endpoint string
	dataDir                   string // the embedded engine's journal; empty with -ephemeral
	intake                    intake.Config
}

// stack is what serve hands each module of the local stack.
type stack struct {
	ctx       context.Context // cancelled on shutdown: stop background work
	log       *slog.Logger
	db        store.API
	store     *store.Store
	table     string
	endpoint  string // DynamoDB endpoint; empty for the embedded engine
	publicURL string
	mux       *http.ServeMux
	intake    *intake.Deps // add interceptors before the webhook starts
	wg        *sync.WaitGroup
	// Set by the alerts module for the modules after it: the Twilio sender
	// (the built-in fake unless -twilio-api-url) and the alert dispatcher.
	sender     *twilio.Sender
	dispatcher *alert.Dispatcher
	dataDir    string // the embedded engine's data folder; empty when in memory or with an endpoint
	fakeURL    string // the built-in fake Twilio API's base URL, when it runs
}

// module is one capability of the local stack beyond the webhook: it adds
// flags, then routes and background work.
type module interface {
	flags(fs *flag.FlagSet)
	start(s *stack) error
}

// modules lists the capabilities serve runs, each in its own file.
func modules() []module { return []module{&alertsModule{}, &staffModule{}} }

func parseServe(args []string, stderr io.Writer, mods []module) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	for _, m := range mods {
		m.flags(fs)
	}
	fs.SetOutput(stderr)
	var c serveConfig
	fs.StringVar(&c.addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.publicURL, "public-url", "", "public base URL Twilio signs (default http://localhost:<port>)")
	fs.StringVar(&c.intake.AuthToken, "twilio-auth-token", envOr("TWILIO_AUTH_TOKEN", localAuthToken), "Twilio auth token that signs webhooks (env TWILIO_AUTH_TOKEN)")
	fs.StringVar(&c.intake.AccountSID, "twilio-account-sid", envOr("TWILIO_ACCOUNT_SID", ""), "refuse webhooks of other accounts when set (env TWILIO_ACCOUNT_SID)")
	fs.StringVar(&c.endpoint, "dynamodb-endpoint", envOr("DYNAMODB_ENDPOINT", ""), "DynamoDB endpoint, e.g. http://127.0.0.1:8000; empty runs the embedded engine in-process")
	fs.StringVar(&c.dataDir, "data", defaultDataDir(), "folder where the embedded engine keeps its data (a journal replayed at start)")
	ephemeral := fs.Bool("ephemeral", false, "keep the embedded engine's data in memory only: everything is lost when serve stops")
	fs.StringVar(&c.intake.Table, "table", envOr("TABLE_NAME", "tipline"), "table name (created when missing)")
	fs.StringVar(&c.intake.ReporterSecret, "reporter-key-secret", envOr("REPORTER_KEY_SECRET", localReporterSecret), "secret keying reporter hashes (env REPORTER_KEY_SECRET)")
	contactKey := fs.String("contact-key", envOr("CONTACT_KEY", localContactKey), "32-byte key sealing reporter numbers, base64 or hex (env CONTACT_KEY)")
	fs.BoolVar(&c.intake.Anonymous, "anonymous", false, "keep no reporter numbers at all")
	fs.DurationVar(&c.intake.Window, "conversation-window", intake.DefaultWindow, "follow-up texts within this time join the open tip")
	fs.StringVar(&c.intake.LogLevel, "log-level", envOr("LOG_LEVEL", "info"), "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if *ephemeral {
		c.dataDir = ""
	} else if c.dataDir == "" {
		return c, errors.New("serve: -data needs a folder (or -ephemeral for no data on disk)")
	}
	if c.intake.Window <= 0 {
		return c, errors.New("serve: -conversation-window must be positive")
	}
	if !c.intake.Anonymous {
		k, err := decodeContactKey(*contactKey)
		if err != nil {
			return c, fmt.Errorf("serve: -contact-key: %w", err)
		}
		c.intake.ContactKey = k
	}
	return c, nil
}

func runServe(args []string, stdout, stderr io.Writer) error {
	mods := modules()
	c, err := parseServe(args, stderr, mods)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := edge.Logger(stdout, c.intake.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", c.addr, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if c.publicURL == "" {
		c.publicURL = fmt.Sprintf("http://localhost:%d", port)
	}
	c.intake.PublicBaseURL = c.publicURL

	db, engine, closeDB, err := openDB(ctx, log, c.endpoint, c.intake.Table, c.dataDir)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeDB()
	deps, err := intake.Wire(c.intake, db, log)
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	var wg sync.WaitGroup
	// Whatever ends serve, background work (sweeper, stream reader, fake
	// Twilio) stops before it returns.
	defer func() { stop(); wg.Wait() }()
	st := &stack{ctx: ctx, log: log, db: db, store: deps.Store, table: c.intake.Table, endpoint: c.endpoint,
		publicURL: c.publicURL, mux: mux, intake: &deps, wg: &wg}
	if c.endpoint == "" {
		st.dataDir = c.dataDir
	}
	for _, m := range mods {
		if err := m.start(st); err != nil {
			ln.Close()
			return err
		}
	}
	srv := &http.Server{Handler: routes(mux, intake.New(deps)), ReadHeaderTimeout: 10 * time.Second}
	log.Info("tipline serving", "addr", ln.Addr().String(), "public_url", c.publicURL, "dynamodb", engine,
		"webhook", c.publicURL+"/twilio/messages", "anonymous", c.intake.Anonymous)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	stop()
	wg.Wait()
	log.Info("stopped")
	return nil
}

// openDB returns the embedded engine with its journal in dataDir replayed
// (in memory only when dataDir is empty), or a client of endpoint with the
// table created when missing, and what closes it.
func openDB(ctx context.Context, log *slog.Logger, endpoint, table, dataDir string) (store.API, string, func(), error) {
	nothing := func() {}
	switch {
	case endpoint != "":
		db, _, err := localdb.Client(ctx, endpoint)
		if err != nil {
			return nil, "", nothing, err
		}
		if err := localdb.Ensure(ctx, db, table); err != nil {
			return nil, "", nothing, err
		}
		return db, endpoint, nothing, nil
	case dataDir == "":
		log.Warn("embedded engine in memory only (-ephemeral): everything is lost when serve stops")
		db, err := localdb.Embedded(ctx, table)
		return db, "embedded, in memory", nothing, err
	}
	db, rep, err := localdb.Durable(ctx, table, dataDir)
	if err != nil {
		return nil, "", nothing, err
	}
	for _, s := range rep.Skipped {
		log.Warn("journal line skipped", "journal", rep.Path, "problem", s)
	}
	if rep.KeptCopy != "" {
		log.Warn("journal with skipped lines kept", "copy", rep.KeptCopy)
	}
	log.Info("data replayed", "journal", rep.Path, "records", rep.Records, "items", rep.Items, "skipped", len(rep.Skipped))
	return db, "embedded, data in " + dataDir, func() { db.Close() }, nil
}

// defaultDataDir is ${TIPLINE_CACHE:-~/.cache/tipline}/data, beside the
// local token key.
func defaultDataDir() string { return filepath.Join(filepath.Dir(defaultKeyFile()), "data") }

// routes is the local stack's router: the same handlers as the Lambda functions.
func routes(mux *http.ServeMux, webhook http.Handler) http.Handler {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.Handle("/twilio/messages", webhook)
	ids := tip.NewIDs(nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(edge.RequestIDHeader) == "" {
			r.Header.Set(edge.RequestIDHeader, ids.New(time.Now()))
		}
		mux.ServeHTTP(w, r)
	})
}
