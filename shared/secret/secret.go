// Package secret reads the tip line's secrets from AWS Secrets Manager once,
// at a function's start, so they never sit in plain text in the function's
// configuration.
//
// The secret named by SECRET_ID holds a JSON object:
//
//	{"twilioAuthToken": "…", "reporterKeySecret": "…", "contactKey": "…"}
//
// and its values stand in for the environment variables TWILIO_AUTH_TOKEN,
// REPORTER_KEY_SECRET and CONTACT_KEY. A variable set in the environment
// wins, so the local stack and tests need no Secrets Manager.
package secret

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// Fields maps the secret's JSON keys to the variables they stand in for.
var Fields = map[string]string{
	"twilioAuthToken":   "TWILIO_AUTH_TOKEN",
	"reporterKeySecret": "REPORTER_KEY_SECRET",
	"contactKey":        "CONTACT_KEY",
	"evidenceKey":       "EVIDENCE_KEY",
}

// API is the part of the Secrets Manager client used here.
type API interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Getenv returns getenv completed with the secret named by SECRET_ID, read
// once through sm; without SECRET_ID it returns getenv as it is. Errors name
// the secret and the problem, never a value.
func Getenv(ctx context.Context, sm API, getenv func(string) string) (func(string) string, error) {
	id := getenv("SECRET_ID")
	if id == "" {
		return getenv, nil
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		code := err.Error()
		var ae smithy.APIError
		if errors.As(err, &ae) {
			code = ae.ErrorCode()
		}
		return nil, fmt.Errorf("secret %s: %s", id, code)
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("secret %s: no string value (store the JSON object as a string)", id)
	}
	var fields map[string]string
	if err := json.Unmarshal([]byte(*out.SecretString), &fields); err != nil {
		return nil, fmt.Errorf("secret %s: not a JSON object of strings", id)
	}
	values := map[string]string{}
	for key, name := range Fields {
		if v := fields[key]; v != "" {
			values[name] = v
		}
	}
	return func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return values[name]
	}, nil
}

// Load is a function's start: the AWS configuration, and getenv completed
// with the secret named by SECRET_ID.
func Load(ctx context.Context, getenv func(string) string) (aws.Config, func(string) string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, nil, fmt.Errorf("aws configuration: %w", err)
	}
	get, err := Getenv(ctx, secretsmanager.NewFromConfig(cfg), getenv)
	return cfg, get, err
}
