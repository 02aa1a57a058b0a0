package secret_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"tipline/shared/secret"
)

// fakeSecretsManager speaks Secrets Manager's JSON protocol for one secret.
func fakeSecretsManager(t *testing.T, id, value string, calls *int) *secretsmanager.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*calls++
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
			http.Error(w, "unexpected operation", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.SecretId != id {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id, "Name": id, "SecretString": value})
	}))
	t.Cleanup(srv.Close)
	return secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestGetenv(t *testing.T) {
	const value = `{"twilioAuthToken":"tok123","reporterKeySecret":"reporter-secret-0123456789","contactKey":"a2V5"}`
	tests := []struct {
		name    string
		env     map[string]string
		want    map[string]string
		wantErr string
		calls   int
	}{
		{"without SECRET_ID the environment is used as it is", map[string]string{"TWILIO_AUTH_TOKEN": "local"},
			map[string]string{"TWILIO_AUTH_TOKEN": "local", "CONTACT_KEY": ""}, "", 0},
		{"the secret fills the three variables", map[string]string{"SECRET_ID": "tipline/prod", "TABLE_NAME": "t"},
			map[string]string{"TWILIO_AUTH_TOKEN": "tok123", "REPORTER_KEY_SECRET": "reporter-secret-0123456789", "CONTACT_KEY": "a2V5", "TABLE_NAME": "t"}, "", 1},
		{"a variable set in the environment wins", map[string]string{"SECRET_ID": "tipline/prod", "TWILIO_AUTH_TOKEN": "override"},
			map[string]string{"TWILIO_AUTH_TOKEN": "override", "CONTACT_KEY": "a2V5"}, "", 1},
		{"an unknown secret is an error naming it", map[string]string{"SECRET_ID": "tipline/nope"}, nil, "secret tipline/nope: ResourceNotFoundException", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			sm := fakeSecretsManager(t, "tipline/prod", value, &calls)
			get, err := secret.Getenv(context.Background(), sm, env(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got := get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if calls != tc.calls {
				t.Errorf("%d calls to Secrets Manager, want %d", calls, tc.calls)
			}
		})
	}
	t.Run("a secret that is not a JSON object is refused without echoing it", func(t *testing.T) {
		calls := 0
		sm := fakeSecretsManager(t, "tipline/prod", "plain-token-value", &calls)
		_, err := secret.Getenv(context.Background(), sm, env(map[string]string{"SECRET_ID": "tipline/prod"}))
		if err == nil || strings.Contains(err.Error(), "plain-token-value") {
			t.Errorf("error = %v, want a refusal that does not quote the value", err)
		}
	})
}
