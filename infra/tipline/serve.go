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
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"tipline/infra/localdb"
	"tipline/infra/seed"
	"tipline/shared/app"
	"tipline/shared/config"
	"tipline/shared/edge"
	"tipline/shared/staff"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// parseServe reads serve's flags, defined by the configuration table with
// the environment as their defaults, checking every value's form.
func parseServe(args []string, stderr io.Writer) (config.Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	read := config.Flags(fs, os.Getenv)
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	if fs.NArg() > 0 {
		return config.Config{}, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	c, err := read(0)
	if err != nil {
		return c, fmt.Errorf("serve: %w", err)
	}
	if c.EscalateHigh == 0 {
		c.EscalateHigh = 6 * c.EscalateCritical
	}
	if c.Local.StaffTokenKey == "" {
		c.Local.StaffTokenKey = defaultKeyFile()
	}
	if c.Local.DeadLetters == "" {
		c.Local.DeadLetters = defaultDeadLetters()
	}
	if c.Local.DataDir == "" {
		c.Local.DataDir = defaultDataDir()
	}
	if c.Local.Ephemeral || c.Local.DynamoDBEndpoint != "" {
		c.Local.DataDir = "" // in memory, or wherever that DynamoDB keeps it
	}
	c.Lease = 30 * time.Second
	c.Grace = 0 // no stream with the embedded engine: the sweep is the pipeline
	if c.Local.DynamoDBEndpoint != "" {
		c.Grace = time.Second // leave the stream its chance, as in AWS (where the sweep runs every minute)
	}
	// A sweep pass ends after a second of backlog work, so the next one
	// starts over with the newest urgent tips.
	c.PassBudget = time.Second
	return c, nil
}

func runServe(args []string, stdout, stderr io.Writer) error {
	return serveUntil(context.Background(), args, stdout, stderr)
}

// serveUntil runs the local stack until parent ends or a signal comes
// (tests start it in-process and end it through parent).
func serveUntil(parent context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseServe(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	// Logs and metric lines share serve's output: one lock keeps lines whole.
	stdout = &lockedWriter{w: stdout}
	log := edge.Logger(stdout, c.LogLevel)
	ctx, stop := signal.NotifyContext(parent, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", c.Local.Addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", c.Local.Addr, err)
	}
	if c.PublicBaseURL == "" {
		c.PublicBaseURL = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	}
	var wg sync.WaitGroup
	// Whatever ends serve, background work (sweeper, stream reader, fake
	// Twilio) stops before it returns.
	defer func() { stop(); wg.Wait() }()
	h, closeDB, err := startStack(ctx, c, log, &wg, stdout)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeDB()
	srv := newServer(h, serverTimeouts)
	log.Info("tipline serving", "addr", ln.Addr().String(), "public_url", c.PublicBaseURL, "dynamodb", engineName(c),
		"webhook", c.PublicBaseURL+"/twilio/messages", "anonymous", c.Anonymous)

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

// timeouts bound how long one connection may hold serve.
type timeouts struct{ readHeader, read, write, idle time.Duration }

// serverTimeouts: webhook bodies are at most 64 KiB and Twilio waits 15 s,
// so a request read in 30 s is generous; a CSV export may write for longer.
var serverTimeouts = timeouts{readHeader: 10 * time.Second, read: 30 * time.Second, write: 2 * time.Minute, idle: 2 * time.Minute}

// newServer is serve's HTTP server: no connection is held for ever by a
// slow header, a slow body, a slow reader or an idle client.
func newServer(h http.Handler, t timeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.readHeader, ReadTimeout: t.read, WriteTimeout: t.write, IdleTimeout: t.idle}
}

// startStack builds every handler through the composition root, as the
// Lambda functions do, and starts the background work of the local stack:
// the seed, the fake Twilio API, the sweeper and the stream reader. The
// function returned closes the embedded engine's journal: call it once the
// server and the background work have stopped.
func startStack(ctx context.Context, c config.Config, log *slog.Logger, wg *sync.WaitGroup, stdout io.Writer) (http.Handler, func(), error) {
	if err := c.Validate(config.Serve); err != nil {
		return nil, nil, fmt.Errorf("serve: %w", err)
	}
	db, closeDB, err := openDB(ctx, log, c)
	if err != nil {
		return nil, nil, err
	}
	h, err := buildStack(ctx, c, db, log, wg, stdout)
	if err != nil {
		closeDB()
		return nil, nil, err
	}
	return h, closeDB, nil
}

func buildStack(ctx context.Context, c config.Config, db store.API, log *slog.Logger, wg *sync.WaitGroup, stdout io.Writer) (http.Handler, error) {
	mux := http.NewServeMux()
	tw, media, err := startTwilio(ctx, c, log, mux, wg)
	if err != nil {
		return nil, err
	}
	key, err := localKey(c.Local.StaffTokenKey)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	tokens := staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience}
	// The functions' EMF metric lines go to serve's output, as to theirs in AWS.
	a := app.New(c, config.All, app.Clients{DB: db, Twilio: tw, MediaAccount: localAccountSID, MediaClient: media, Log: log, StaffAuth: tokens,
		Metrics: stdout, Function: "serve"})
	if !c.Local.NoSeed {
		n, r, err := seed.Load(ctx, a.Store())
		if err != nil {
			return nil, fmt.Errorf("serve: seed: %w", err)
		}
		log.Info("seed loaded", "authorities", n, "rules", r)
	}
	webhook, err := a.Webhook()
	if err != nil {
		return nil, err
	}
	status, err := a.MessageStatus()
	if err != nil {
		return nil, err
	}
	site, err := a.StaffSite(localSignin(tokens))
	if err != nil {
		return nil, err
	}
	mux.Handle("/twilio/messages", webhook)
	mux.Handle("/twilio/status", status)
	mux.Handle("/", site)
	log.Info("staff API", "url", c.PublicBaseURL+"/api/tips", "token", "go run ./infra/tipline token -role admin")
	if err := printSignin(stdout, c.PublicBaseURL, tokens); err != nil {
		return nil, err
	}
	if err := startAlerts(ctx, c, a, log, wg); err != nil {
		return nil, err
	}
	if err := startReconcile(ctx, c, a, log, mux, wg); err != nil {
		return nil, err
	}
	return routes(mux), nil
}

func engineName(c config.Config) string {
	name := "embedded, data in " + c.Local.DataDir
	switch {
	case c.Local.DynamoDBEndpoint != "":
		name = c.Local.DynamoDBEndpoint
	case c.Local.DataDir == "":
		name = "embedded, in memory"
	}
	if c.Local.DynamoDBConflicts {
		name += ", with DynamoDB's conflict rules"
	}
	return name
}

// lockedWriter makes one Write at a time to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// openDB returns the embedded engine with its journal in the data folder
// replayed (in memory only without one), or a client of the DynamoDB
// endpoint with the table created when missing; and what closes it. With
// -dynamodb-conflicts, behind DynamoDB's conflict rules.
func openDB(ctx context.Context, log *slog.Logger, c config.Config) (store.API, func(), error) {
	db, closeDB, err := openEngine(ctx, log, c)
	if err != nil || !c.Local.DynamoDBConflicts || c.Local.DynamoDBEndpoint != "" {
		return db, closeDB, err
	}
	locks := localdb.NewLocks()
	locks.Hold = 10 * time.Millisecond // about as long as DynamoDB's commit
	return localdb.NewConflictAPI(db, locks), closeDB, nil
}

func openEngine(ctx context.Context, log *slog.Logger, c config.Config) (store.API, func(), error) {
	nothing := func() {}
	switch {
	case c.Local.DynamoDBEndpoint != "":
		var opts []localdb.Option
		if c.Local.DynamoDBConflicts {
			opts = append(opts, localdb.WithConflicts(localdb.NewLocks()))
		}
		db, _, err := localdb.Client(ctx, c.Local.DynamoDBEndpoint, opts...)
		if err != nil {
			return nil, nothing, err
		}
		if err := localdb.Ensure(ctx, db, c.Table); err != nil {
			return nil, nothing, err
		}
		return db, nothing, nil
	case c.Local.DataDir == "":
		log.Warn("embedded engine in memory only (-ephemeral): everything is lost when serve stops")
		db, err := localdb.Embedded(ctx, c.Table)
		return db, nothing, err
	}
	db, rep, err := localdb.Durable(ctx, c.Table, c.Local.DataDir)
	if err != nil {
		return nil, nothing, fmt.Errorf("serve: %w", err)
	}
	for _, s := range rep.Skipped {
		log.Warn("journal line skipped", "journal", rep.Path, "problem", s)
	}
	if rep.KeptCopy != "" {
		log.Warn("journal with skipped lines kept", "copy", rep.KeptCopy)
	}
	log.Info("data replayed", "journal", rep.Path, "records", rep.Records, "items", rep.Items, "skipped", len(rep.Skipped))
	return db, func() { db.Close() }, nil
}

// defaultDataDir is ${TIPLINE_CACHE:-~/.cache/tipline}/data, beside the
// local token key.
func defaultDataDir() string { return filepath.Join(filepath.Dir(defaultKeyFile()), "data") }

// routes is the local stack's router: the same handlers as the Lambda functions.
func routes(mux *http.ServeMux) http.Handler {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	ids := tip.NewIDs(nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(edge.RequestIDHeader) == "" {
			r.Header.Set(edge.RequestIDHeader, ids.New(time.Now()))
		}
		mux.ServeHTTP(w, r)
	})
}
