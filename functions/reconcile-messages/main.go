// Command reconcile-messages runs every five minutes on an EventBridge
// schedule: it reads Twilio's message log for the campaign numbers and
// stores, through the webhook's own intake, every inbound message whose
// webhook failed, answering its reporter once when it is still safe to.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"tipline/shared/alert"
	"tipline/shared/edge"
	"tipline/shared/intake"
	"tipline/shared/reconcile"
	"tipline/shared/secret"
	"tipline/shared/store"
	"tipline/shared/twilio"
)

func main() {
	awsCfg, getenv, err := secret.Load(context.Background(), os.Getenv)
	edge.Must(err)
	cfg, err := intake.ConfigFromEnv(getenv)
	edge.Must(err)
	alerts, err := alert.ConfigFromEnv(getenv, alert.NeedSend)
	edge.Must(err)
	rc, err := reconcile.ConfigFromEnv(getenv)
	edge.Must(err)
	rc.Window = cfg.Window
	log := edge.Logger(os.Stdout, cfg.LogLevel)
	db := dynamodb.NewFromConfig(awsCfg)
	deps, err := intake.Wire(cfg, db, log)
	edge.Must(err)
	d, err := alert.Build(alerts, db, log, "")
	edge.Must(err)
	// The same intake as receive-message: acknowledgements and consent answers never become tips.
	deps.Interceptors = append(deps.Interceptors, d.Interceptor())
	deps.AskConsent = alert.NeedsConsent
	sender, err := twilio.NewSender(twilio.SenderConfig{AccountSID: alerts.AccountSID, AuthToken: alerts.AuthToken})
	edge.Must(err)
	r := reconcile.New(rc, reconcile.Deps{Store: store.New(db, cfg.Table, nil), Log: sender, Intake: intake.New(deps),
		Messenger: sender, Logger: log})
	lambda.Start(run(r, log))
}

// run is the scheduled handler: one pass, its errors returned so that they
// surface in the function's error metric (the pass logs its own counts).
func run(r *reconcile.Reconciler, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := r.Run(ctx)
		if err != nil {
			log.Error("reconcile failed; the next run goes on from the checkpoints", "error", err.Error())
		}
		return err
	}
}
