package staff_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"tipline/shared/edge"
	"tipline/shared/staff"
)

// In Lambda the handler trusts the claims API Gateway's JWT authorizer put
// in the request context, and nothing a client can send in a header.
func TestLambdaReadsTheAuthorizerClaims(t *testing.T) {
	hs := newHarness(t)
	mdd := hs.seed(tipSpec{region: "PE-MDD"})
	hs.seed(tipSpec{region: "PE-CUS"})
	d := staff.Deps{Store: hs.store, Auth: staff.GatewayClaims{Issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test"},
		Log: slogJSON(lockedWriter{hs.logMu, hs.logs}), Now: hs.clock.Now}
	lambdaHandler := edge.APIGateway(staff.New(d))
	event := func(claims map[string]string, headers map[string]string) events.APIGatewayV2HTTPRequest {
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "ANY /api/{proxy+}", RawPath: "/api/tips",
			Headers: headers, RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "id.execute-api.us-east-1.amazonaws.com",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/api/tips"}}}
		if claims != nil {
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims}}
		}
		return ev
	}
	iss := "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test"
	for _, tc := range []struct {
		name   string
		ev     events.APIGatewayV2HTTPRequest
		status int
		ids    []string
	}{
		{"staff of PE-MDD with Cognito's claims see PE-MDD only",
			event(map[string]string{"token_use": "id", "sub": "u1", "iss": iss, "cognito:groups": "[staff]", "custom:regions": "PE-MDD"}, nil), 200, []string{mdd.ID}},
		{"a request that passed no authorizer is refused with 401", event(nil, map[string]string{"authorization": "Bearer x"}), 401, nil},
		{"a forged context header is not read", event(nil, map[string]string{"x-golambdaproxy-apigw-context": `{"authorizer":{"jwt":{"claims":{"sub":"x","cognito:groups":"[admin]"}}}}`}), 401, nil},
		{"claims of another issuer are refused with 401", event(map[string]string{"sub": "u1", "iss": "https://evil", "cognito:groups": "[admin]"}, nil), 401, nil},
		{"claims without a group are refused with 403", event(map[string]string{"token_use": "id", "sub": "u1", "iss": iss}, nil), 403, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := lambdaHandler(context.Background(), tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d %s, want %d", resp.StatusCode, resp.Body, tc.status)
			}
			if tc.ids != nil {
				var l listed
				if err := json.Unmarshal([]byte(resp.Body), &l); err != nil {
					t.Fatal(err)
				}
				if strings.Join(l.ids(), ",") != strings.Join(tc.ids, ",") {
					t.Errorf("ids = %v, want %v", l.ids(), tc.ids)
				}
			}
		})
	}
}

// Real-shaped events (events/apigw-staff-*.json): the claims API Gateway's
// JWT authorizer passes for a Cognito ID token of a PE-MDD staff user, and
// for the same user's access token, which passes the authorizer too (it
// checks client_id when there is no aud) but carries no custom:regions.
func TestLambdaTakesOnlyIDTokens(t *testing.T) {
	hs := newHarness(t)
	mdd := hs.seed(tipSpec{region: "PE-MDD"})
	hs.seed(tipSpec{region: "PE-CUS"})
	hs.seed(tipSpec{region: ""})
	const iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ex4mpl3Pl"
	lambdaHandler := edge.APIGateway(staff.New(staff.Deps{Store: hs.store, Auth: staff.GatewayClaims{Issuer: iss},
		Log: slogJSON(lockedWriter{hs.logMu, hs.logs}), Now: hs.clock.Now}))
	load := func(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join("../../events", name))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	withoutRegions := load(t, "apigw-staff-id-token.json")
	delete(withoutRegions.RequestContext.Authorizer.JWT.Claims, "custom:regions")
	for _, tc := range []struct {
		name   string
		ev     events.APIGatewayV2HTTPRequest
		status int
		ids    []string
	}{
		{"an ID token of a PE-MDD staff user sees PE-MDD only", load(t, "apigw-staff-id-token.json"), 200, []string{mdd.ID}},
		{"an access token of the same user is refused with 401", load(t, "apigw-staff-access-token.json"), 401, nil},
		{"an ID token of a staff user without regions sees no tip", withoutRegions, 200, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := lambdaHandler(context.Background(), tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d %s, want %d", resp.StatusCode, resp.Body, tc.status)
			}
			if tc.ids != nil {
				var l listed
				if err := json.Unmarshal([]byte(resp.Body), &l); err != nil {
					t.Fatal(err)
				}
				if strings.Join(l.ids(), ",") != strings.Join(tc.ids, ",") {
					t.Errorf("ids = %v, want %v", l.ids(), tc.ids)
				}
			}
		})
	}
}
