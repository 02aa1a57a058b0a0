package staff

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/golang-jwt/jwt/v5"

	"tipline/shared/store"
)

// Role is what a user may do. Roles are ordered: each includes the ones below.
type Role int

// Roles, from Cognito groups of the same names.
const (
	RoleNone Role = iota
	RoleStaff
	RoleSupervisor
	RoleAdmin
)

func (r Role) String() string {
	return [...]string{"none", "staff", "supervisor", "admin"}[r]
}

// ParseRole reads a group name.
func ParseRole(s string) Role {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "staff":
		return RoleStaff
	case "supervisor":
		return RoleSupervisor
	case "admin":
		return RoleAdmin
	}
	return RoleNone
}

// Principal is the authenticated user of a request.
type Principal struct {
	Subject string
	Name    string
	Role    Role
	// Regions of a staff user: the tips they may see. Empty when the token
	// has no regions claim or names none: no region at all.
	Regions []string
}

// Actor names the principal in audit entries.
func (p Principal) Actor() string { return "staff:" + p.Subject }

// Scope is the part of the queue the principal may see and touch: staff
// only tips of their regions (of none when their token has no regions claim
// or the claim names none) and never tips without a region; supervisors and
// admins everything. An empty but non-nil
// store.Scope.Regions allows no region (Allows is false for every tip and
// listings read no partition); TestEmptyRegionsClaimSeesNothing holds the
// store to that.
func (p Principal) Scope() store.Scope {
	if p.Role >= RoleSupervisor {
		return store.Scope{}
	}
	regions := p.Regions
	if regions == nil {
		regions = []string{} // never nil: nil would mean every region
	}
	return store.Scope{Regions: regions, NoRegionHidden: true}
}

// ErrUnauthenticated is returned for a request without a valid token.
var ErrUnauthenticated = errors.New("no valid bearer token")

// Authenticator finds the principal of a request. It returns
// ErrUnauthenticated (answered 401) when there is none.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// Claim names, as Cognito puts them in ID tokens.
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
const (
	ClaimGroups   = "cognito:groups"
	ClaimRegions  = "custom:regions"
	ClaimUsername = "cognito:username"
	ClaimTokenUse = "token_use" // "id" in ID tokens, "access" in access tokens
)

// LocalTokens validates HS256 tokens signed with a local key: signature,
// expiry, issuer and audience, as the HTTP API's JWT authorizer does with
// Cognito's keys in AWS. It also issues them (tipline token).
type LocalTokens struct {
	Key      []byte
	Issuer   string
	Audience string
	Now      func() time.Time
}

// Local token defaults.
const (
	LocalIssuer   = "tipline-local"
	LocalAudience = "tipline-staff"
)

func (l LocalTokens) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Authenticate implements Authenticator.
func (l LocalTokens) Authenticate(r *http.Request) (Principal, error) {
	raw, ok := bearer(r)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return l.Key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(l.Issuer), jwt.WithAudience(l.Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(l.now), jwt.WithLeeway(30*time.Second))
	if err != nil {
		return Principal{}, ErrUnauthenticated
	}
	flat := map[string]string{}
	for k, v := range claims {
		flat[k] = claimString(v)
	}
	return PrincipalFromClaims(flat)
}

// Issue returns a signed token for a user.
func (l LocalTokens) Issue(sub string, role Role, regions []string, ttl time.Duration) (string, error) {
	now := l.now()
	claims := jwt.MapClaims{
		"iss": l.Issuer, "aud": l.Audience, "sub": sub, ClaimUsername: sub, "token_use": "id",
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(), ClaimGroups: []string{role.String()},
	}
	if len(regions) > 0 {
		claims[ClaimRegions] = strings.Join(regions, ",")
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(l.Key)
}

// GatewayClaims reads the claims that API Gateway's JWT authorizer has
// already validated (signature, expiry, issuer, audience) from the request
// context that aws-lambda-go-api-proxy fills. A request without them never
// passed an authorizer and is refused.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
type GatewayClaims struct {
	// Issuer, when set, must equal the token's iss (defence in depth).
	Issuer string
}

// Authenticate implements Authenticator.
func (g GatewayClaims) Authenticate(r *http.Request) (Principal, error) {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil || len(rc.Authorizer.JWT.Claims) == 0 {
		return Principal{}, ErrUnauthenticated
	}
	c := rc.Authorizer.JWT.Claims
	if g.Issuer != "" && c["iss"] != g.Issuer {
		return Principal{}, ErrUnauthenticated
	}
	return PrincipalFromClaims(c)
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// PrincipalFromClaims reads a principal from claims as API Gateway passes
// them (every value a string, lists as "[a b]"). Only ID tokens are taken:
// a Cognito access token from the same app client passes API Gateway's JWT
// authorizer too (it checks client_id when there is no aud), carries the
// groups but none of the custom attributes, so it would name a user without
// their regions. Errors: ErrUnauthenticated without a subject or for any
// token but an ID token.
func PrincipalFromClaims(c map[string]string) (Principal, error) {
	p := Principal{Subject: c["sub"], Name: c[ClaimUsername]}
	if p.Subject == "" || c[ClaimTokenUse] != "id" {
		return Principal{}, ErrUnauthenticated
	}
	if p.Name == "" {
		p.Name = p.Subject
	}
	for _, g := range claimList(c[ClaimGroups]) {
		p.Role = max(p.Role, ParseRole(g))
	}
	// No regions claim, or one that names nothing we know or nothing at all
	// ("", "[]", ","), allows no region: a missing attribute, a typo or an
	// emptied one must never widen a staff user's view.
	p.Regions = []string{}
	if raw, ok := c[ClaimRegions]; ok {
		for _, r := range claimList(raw) {
			r = strings.ToUpper(strings.TrimSpace(r))
			if r != "" && !slices.Contains(p.Regions, r) {
				p.Regions = append(p.Regions, r)
			}
		}
	}
	return p, nil
}

// claimString flattens a decoded JWT claim into the form API Gateway passes
// claims on: strings as they are, arrays as "[a b]".
func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, claimString(e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// claimList reads a list claim in any of the forms it arrives in: API
// Gateway's "[a b]", a JSON array, comma- or space-separated text.
func claimList(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var arr []string
	if strings.HasPrefix(s, "[\"") && json.Unmarshal([]byte(s), &arr) == nil {
		return arr
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
