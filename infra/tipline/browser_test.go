package main

// Browser tests of the staff console and the case page: the whole local
// stack (serve) runs in-process and Debian's chromium, driven by chromedp,
// works it through the page only. The webhook (the reporter's side), the
// fake Twilio outbox (the authorities' and reporter's phones) and a
// case-link signer with serve's local key (for a link that has expired)
// are the only things reached without the page.
//
// Without chromium the tests skip, except in CI (CI=true), where they fail;
// `make test` installs chromium (infra/chromium/chromium.sh). Screenshots
// of each main view go to build/screenshots/.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"tipline/shared/caselink"
	"tipline/shared/config"
	"tipline/shared/staff"
	"tipline/shared/testkit"
)

// chromiumPath finds chromium, or skips (fails in CI) without it.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	for _, c := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("chromium is missing in CI: infra/chromium/chromium.sh install should have installed it")
	}
	tb.Skip("SKIP browser tests: chromium is not installed (run `bash infra/chromium/chromium.sh install`, or make test, which does)")
	return ""
}

// system is a running local stack.
type system struct {
	base      string              // http://localhost:<port>
	adminLink string              // the sign-in link serve prints
	out       *testkit.SyncBuffer // serve's output, read while serve writes it
	keyDir    string
}

var consoleLink = regexp.MustCompile(`Staff console \(admin[^)]*\): (http://localhost:(\d+))/console/#token=(\S+)`)

// startSystem runs serve in-process until the test ends.
func startSystem(tb testing.TB, extra ...string) *system {
	tb.Helper()
	dir := tb.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &testkit.SyncBuffer{}
	args := append([]string{"-addr", "127.0.0.1:0", "-staff-token-key", filepath.Join(dir, "staff-token.key"), "-data", filepath.Join(dir, "data"),
		"-table", fmt.Sprintf("browser%d", time.Now().UnixNano()), "-sweep-every", "200ms", "-log-level", "warn"}, extra...)
	done := make(chan error, 1)
	go func() { done <- serveUntil(ctx, args, out, out) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			tb.Errorf("serve did not stop within 20 s")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := consoleLink.FindStringSubmatch(out.String()); m != nil {
			return &system{base: m[1], adminLink: m[0][strings.Index(m[0], "http://"):], out: out, keyDir: dir}
		}
		select {
		case err := <-done:
			tb.Fatalf("serve ended: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	tb.Fatalf("serve printed no sign-in link within 60 s:\n%s", out.String())
	return nil
}

var refPattern = regexp.MustCompile(`(?:código es|code is) ([A-Z0-9]{6})`)

// webhook sends a reporter's message as Twilio would and returns its reference.
func (s *system) webhook(tb testing.TB, from, body string, extra ...string) string {
	tb.Helper()
	out := s.post(tb, from, body, extra...)
	m := refPattern.FindStringSubmatch(out)
	if m == nil {
		tb.Fatalf("the webhook's answer names no reference: %s", out)
	}
	return m[1]
}

// post sends a reporter's message and returns the webhook's answer.
func (s *system) post(tb testing.TB, from, body string, extra ...string) string {
	tb.Helper()
	var out, errb bytes.Buffer
	if err := runSend(append([]string{"-url", s.base + "/twilio/messages", "-from", from, "-body", body}, extra...), &out, &errb); err != nil {
		tb.Fatalf("send: %v\n%s%s", err, out.String(), errb.String())
	}
	return out.String()
}

type sentMessage struct {
	SID, To, From, Body, Status string
}

// outbox is what the fake Twilio sent: alerts and replies.
func (s *system) outbox(tb testing.TB) []sentMessage {
	tb.Helper()
	resp, err := http.Get(s.base + "/local/outbox")
	if err != nil {
		tb.Fatalf("outbox: %v", err)
	}
	defer resp.Body.Close()
	var msgs []sentMessage
	if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
		tb.Fatalf("outbox: %v", err)
	}
	return msgs
}

// waitOutbox waits until a message matches.
func (s *system) waitOutbox(tb testing.TB, what string, match func(sentMessage) bool) sentMessage {
	tb.Helper()
	for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, m := range s.outbox(tb) {
			if match(m) {
				return m
			}
		}
	}
	tb.Fatalf("no message in the outbox is %s", what)
	return sentMessage{}
}

// browser starts chromium with the flags that work as root in a container.
func browser(tb testing.TB) context.Context {
	tb.Helper()
	bin := chromiumPath(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(tb.TempDir()), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	tb.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("chromium did not start: %v", err)
	}
	return ctx
}

// tab opens a new tab (its own sessionStorage: another user).
func tab(tb testing.TB, parent context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(parent)
	tb.Cleanup(cancel)
	// The first run opens the tab: without a timeout, which would close it.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("new tab: %v", err)
	}
	return ctx
}

func do(tb testing.TB, ctx context.Context, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	get(tb, ctx, timeout, chromedp.Steps(steps...))
}

// get runs one action and returns its value, failing the test with the
// page's main element on error.
func get[T any](tb testing.TB, ctx context.Context, timeout time.Duration, a chromedp.Action[T]) T {
	tb.Helper()
	c, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(c, a)
	if err != nil {
		c2, cancel2 := context.WithTimeout(ctx, 5*time.Second)
		defer cancel2()
		html, _ := chromedp.Run(c2, chromedp.OuterHTML(chromedp.CSS("main")))
		tb.Fatalf("browser: %v\npage: %.3000s", err, html)
	}
	return v
}

// waitJS polls a JavaScript condition until it is true.
func waitJS(tb testing.TB, ctx context.Context, timeout time.Duration, cond string) {
	tb.Helper()
	get(tb, ctx, timeout+5*time.Second, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(100*time.Millisecond)))
}

func eval[T any](tb testing.TB, ctx context.Context, expr string) T {
	tb.Helper()
	return get(tb, ctx, 10*time.Second, chromedp.Evaluate[T](expr))
}

func text(tb testing.TB, ctx context.Context, sel string) string {
	tb.Helper()
	return get(tb, ctx, 10*time.Second, chromedp.TextContent(chromedp.CSS(sel)))
}

func pageHTML(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	return get(tb, ctx, 10*time.Second, chromedp.OuterHTML(chromedp.CSS("html")))
}

// screenshot saves the page under build/screenshots/ (ignored by git).
func screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	png := get(tb, ctx, 20*time.Second, chromedp.FullScreenshot(100))
	dir := filepath.Join("..", "..", "build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

const (
	reporterA = "+51987654321"
	reporterB = "+51987650002"
	reporterC = "+51987650003"
	tipTextA  = "Ayuda, tienen encerrada a una niña de 14 años en un bar de Puerto Maldonado, la obligan a atender clientes"
)

func TestConsoleInBrowser(t *testing.T) {
	chromiumPath(t)
	sys := startSystem(t, "-escalate-after", "20s") // time enough to acknowledge on a loaded machine
	ctx := browser(t)
	var refA, idA string

	t.Run("signing in with a fragment token removes it from the address bar", func(t *testing.T) {
		do(t, ctx, 30*time.Second, chromedp.Navigate(sys.adminLink), chromedp.WaitVisible(chromedp.CSS("#queue")))
		loc := get(t, ctx, 5*time.Second, chromedp.Location())
		if strings.Contains(loc, "token") || strings.Contains(loc, "#") {
			t.Errorf("the address bar still holds the token: %s", loc)
		}
		waitJS(t, ctx, 30*time.Second, `document.querySelector('#who').textContent.includes('local-admin')`)
	})

	t.Run("a critical tip sent by webhook appears in the queue without a reload", func(t *testing.T) {
		eval[bool](t, ctx, `window.__sameDocument = true`)
		refA = sys.webhook(t, reporterA, tipTextA)
		waitJS(t, ctx, 25*time.Second, `!!document.querySelector('tr[data-ref=`+jsString(refA)+`] .mark.crit')`)
		if !eval[bool](t, ctx, `window.__sameDocument === true`) {
			t.Error("the page was reloaded to show the tip")
		}
		idA = get(t, ctx, 5*time.Second, chromedp.AttributeValue(chromedp.CSS(`tr[data-ref="`+refA+`"]`), "data-tip")).Value
		screenshot(t, ctx, "01-queue")
	})

	t.Run("the queue's filters are kept in the URL and narrow the list", func(t *testing.T) {
		do(t, ctx, 30*time.Second, chromedp.SetValue(chromedp.CSS(`select[name=urgency]`), "low"),
			chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `location.search.includes('urgency=low') && !document.querySelector('tr[data-ref=`+jsString(refA)+`]')`)
		do(t, ctx, 30*time.Second, chromedp.NavigateBack())
		waitJS(t, ctx, 30*time.Second, `!!document.querySelector('tr[data-ref=`+jsString(refA)+`]')`)
	})

	t.Run("opening the tip highlights the reasons' words and shows the alerts delivered", func(t *testing.T) {
		if idA == "" {
			t.Skip("no tip")
		}
		do(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS(`tr[data-ref="`+refA+`"] a`)), chromedp.WaitVisible(chromedp.CSS(".thread")))
		marks := text(t, ctx, ".thread .msg.inbound .body")
		marked := eval[[]string](t, ctx, `[...document.querySelectorAll('.thread mark')].map(m => m.textContent.toLowerCase())`)
		if len(marked) == 0 || !strings.Contains(marks, "encerrada") {
			t.Errorf("no word of the reasons is highlighted in %q (marks %q)", marks, marked)
		}
		for deadline := time.Now().Add(20 * time.Second); ; {
			if eval[bool](t, ctx, `[...document.querySelectorAll('.timeline .step')].some(s => s.textContent === 'entregada')`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the alerts timeline shows no delivered alert: %s", text(t, ctx, ".timelines"))
			}
			time.Sleep(time.Second)
			do(t, ctx, 30*time.Second, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".timelines")))
		}
		if strings.Contains(pageHTML(t, ctx), strings.TrimPrefix(reporterA, "+51")) {
			t.Error("the tip's page holds the reporter's number")
		}
		screenshot(t, ctx, "02-tip")
	})

	t.Run("lowering the urgency without a note shows the API's refusal", func(t *testing.T) {
		do(t, ctx, 30*time.Second, chromedp.SetValue(chromedp.CSS(`form[data-action=correct] select[name=urgency]`), "high"),
			chromedp.Click(chromedp.CSS(`form[data-action=correct] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `(document.querySelector('form[data-action=correct] .refusal')?.textContent || '').includes('needs a note')`)
	})

	t.Run("correcting the urgency with a note shows in the audit trail", func(t *testing.T) {
		do(t, ctx, 30*time.Second, chromedp.SetValue(chromedp.CSS(`form[data-action=correct] select[name=urgency]`), "high"),
			chromedp.SendKeys(chromedp.CSS(`form[data-action=correct] textarea[name=note]`), "la víctima ya fue rescatada"),
			chromedp.Click(chromedp.CSS(`form[data-action=correct] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `[...document.querySelectorAll('.audit li')].some(li => li.textContent.includes('urgency: critical -> high') && li.textContent.includes('rescatada'))`)
	})

	t.Run("a reply reaches the outbox with the reporter's number only in to", func(t *testing.T) {
		const body = "Gracias, un equipo está revisando su mensaje."
		do(t, ctx, 30*time.Second, chromedp.SendKeys(chromedp.CSS(`form[data-action=reply] textarea[name=body]`), body),
			chromedp.Click(chromedp.CSS(`form[data-action=reply] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `!!document.querySelector('form[data-action=reply] .ok')`)
		m := sys.waitOutbox(t, "the reply", func(m sentMessage) bool { return m.Body == body })
		if m.To != reporterA {
			t.Errorf("the reply went to %q, want the reporter", m.To)
		}
		for _, m := range sys.outbox(t) {
			if strings.Contains(m.Body, strings.TrimPrefix(reporterA, "+51")) || (m.To != reporterA && m.Body == body) {
				t.Errorf("message %s carries the reporter's number or went elsewhere: to %s", m.SID, m.To)
			}
		}
		waitJS(t, ctx, 30*time.Second, `[...document.querySelectorAll('.thread .msg.outbound')].some(m => m.textContent.includes(`+jsString(body)+`))`)
		if strings.Contains(pageHTML(t, ctx), strings.TrimPrefix(reporterA, "+51")) {
			t.Error("the tip's page holds the reporter's number")
		}
	})

	t.Run("forwarding to an authority from the directory alerts it", func(t *testing.T) {
		waitJS(t, ctx, 30*time.Second, `!!document.querySelector('form[data-action=forward] option[value=dirctptim]')`)
		do(t, ctx, 30*time.Second, chromedp.SetValue(chromedp.CSS(`form[data-action=forward] select[name=authority_id]`), "dirctptim"),
			chromedp.Click(chromedp.CSS(`form[data-action=forward] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `!!document.querySelector('form[data-action=forward] .ok')`)
		sys.waitOutbox(t, "the forward to DIRCTPTIM", func(m sentMessage) bool {
			return m.To == "+51900000911" && strings.Contains(m.Body, refA)
		})
		waitJS(t, ctx, 30*time.Second, `!!document.querySelector('.timeline[data-contact^="dirctptim/"]')`)
		screenshot(t, ctx, "03-tip-after-actions")
	})

	t.Run("assigning the tip to oneself and closing it show in the audit trail", func(t *testing.T) {
		do(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS(`form[data-action=assign] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `[...document.querySelectorAll('.audit li')].some(li => li.textContent.includes('assignee:  -> local-admin'))`)
		// A tip about a minor: only a supervisor or an admin closes it, with a note.
		do(t, ctx, 30*time.Second, chromedp.SetValue(chromedp.CSS(`form[data-action=status] select[name=status]`), "closed"),
			chromedp.SetValue(chromedp.CSS(`form[data-action=status] textarea[name=note]`), "duplicado de un aviso ya atendido"),
			chromedp.Click(chromedp.CSS(`form[data-action=status] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `[...document.querySelectorAll('.audit li')].some(li => li.textContent.includes('status: forwarded -> closed'))`)
	})

	var refB, refC string
	var linkB sentMessage
	t.Run("an authority acknowledges on the case page and escalation stops", func(t *testing.T) {
		refB = sys.webhook(t, reporterB, "Tienen encerrada a una menor de 15 años en una discoteca de Puerto Maldonado, ayuda urgente")
		refC = sys.webhook(t, reporterC, "Tienen encerrada a una menor de 16 años en un bar de Puerto Maldonado, ayuda urgente")
		sent := time.Now()
		linkB = sys.waitOutbox(t, "the alert of tip B to FISTRAP", func(m sentMessage) bool {
			return m.To == "+51900000111" && strings.Contains(m.Body, refB)
		})
		link := linkB.Body[strings.Index(linkB.Body, "http://"):]
		if n := len([]rune(linkB.Body)); n > 3*153 {
			t.Errorf("the alert is %d characters long: more than three segments", n)
		}
		authority := tab(t, ctx)
		do(t, authority, 20*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#ack")))
		if got := text(t, authority, "#ref"); got != refB {
			t.Errorf("the case page shows reference %q, want %q", got, refB)
		}
		html := pageHTML(t, authority)
		if strings.Contains(html, strings.TrimPrefix(reporterB, "+51")) || !strings.Contains(html, "discoteca") {
			t.Error("the case page holds the reporter's number, or not the tip's full text")
		}
		screenshot(t, authority, "04-case")
		do(t, authority, 20*time.Second, chromedp.Click(chromedp.CSS("#ack")), chromedp.WaitVisible(chromedp.CSS("#acked")))
		screenshot(t, authority, "05-case-acknowledged")
		// Tip C, sent with B and not acknowledged, reaches tier 2: B must not.
		sys.waitOutbox(t, "tip C escalated to DIRCTPTIM", func(m sentMessage) bool {
			return m.To == "+51900000911" && strings.Contains(m.Body, refC)
		})
		time.Sleep(time.Until(sent.Add(23 * time.Second)))
		for _, m := range sys.outbox(t) {
			if strings.Contains(m.Body, refB) && (m.To == "+51900000911" || m.To == "+51900000912") {
				t.Errorf("tip B escalated to %s after its acknowledgement", m.To)
			}
		}
	})

	t.Run("the console shows the acknowledgement and the case view in the audit trail", func(t *testing.T) {
		do(t, ctx, 30*time.Second, chromedp.Navigate(sys.base+"/console/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-ref="`+refB+`"] a`)),
			chromedp.Click(chromedp.CSS(`tr[data-ref="`+refB+`"] a`)), chromedp.WaitVisible(chromedp.CSS(".audit")))
		audit := text(t, ctx, ".audit")
		for _, want := range []string{"case.viewed", "acknowledged", "escalation.stopped"} {
			if !strings.Contains(audit, want) {
				t.Errorf("the audit trail lacks %s: %s", want, audit)
			}
		}
		steps := text(t, ctx, `.timeline[data-contact="fistrap-mdd/0"]`)
		if !strings.Contains(steps, "confirmada por la autoridad") {
			t.Errorf("the alerts timeline of FISTRAP shows no acknowledgement: %s", steps)
		}
	})

	t.Run("a case link revoked by staff shows a clear refusal", func(t *testing.T) {
		do(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS(`form[data-action=revoke][data-contact="fistrap-mdd/0"] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `!!document.querySelector('form[data-action=revoke][data-contact="fistrap-mdd/0"] .ok')`)
		authority := tab(t, ctx)
		link := linkB.Body[strings.Index(linkB.Body, "http://"):]
		do(t, authority, 20*time.Second, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#refusal")))
		if got := text(t, authority, "#refusal"); !strings.Contains(got, "revocó") {
			t.Errorf("the refusal says %q, want that the link was revoked", got)
		}
		if strings.Contains(pageHTML(t, authority), refB) {
			t.Error("the refusal shows the tip's reference")
		}
		screenshot(t, authority, "06-case-revoked")
	})

	t.Run("an expired case link shows a clear refusal", func(t *testing.T) {
		signer := caselink.Signer{Key: caselink.Key([]byte(config.LocalReporterSecret))}
		tok, err := signer.Token(caselink.Claim{TipID: idA, AuthorityID: "pnp-trata-mdd", Contact: 0, Issued: time.Now().Add(-73 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		authority := tab(t, ctx)
		do(t, authority, 20*time.Second, chromedp.Navigate(sys.base+"/case/"+tok), chromedp.WaitVisible(chromedp.CSS("#refusal")))
		if got := text(t, authority, "#refusal"); !strings.Contains(got, "venció") {
			t.Errorf("the refusal says %q, want that the link expired", got)
		}
	})

	t.Run("a staff user of PE-CUS never sees a PE-MDD tip", func(t *testing.T) {
		refCus := sys.webhook(t, "+51987650004", "En Cusco obligan a trabajar a una adolescente de 15 años sin pago en una mina, no la dejan salir")
		staff := tab(t, ctx)
		do(t, staff, 20*time.Second, chromedp.Navigate(sys.base+"/console/local-signin"), chromedp.WaitVisible(chromedp.CSS("#role")))
		screenshot(t, staff, "07-local-signin")
		do(t, staff, 20*time.Second, chromedp.SetValue(chromedp.CSS("#role"), "staff"), chromedp.SendKeys(chromedp.CSS("#regions"), "PE-CUS"),
			chromedp.Submit(chromedp.CSS("#regions")), chromedp.WaitVisible(chromedp.CSS("#queue")))
		waitJS(t, staff, 25*time.Second, `!!document.querySelector('tr[data-ref=`+jsString(refCus)+`]')`)
		html := pageHTML(t, staff)
		for _, ref := range []string{refA, refB, refC} {
			if strings.Contains(html, ref) {
				t.Errorf("the PE-CUS queue shows PE-MDD tip %s", ref)
			}
		}
		if strings.Contains(html, "PE-MDD") {
			t.Error("the PE-CUS user's page offers PE-MDD")
		}
		screenshot(t, staff, "08-queue-staff-cus")
		do(t, staff, 20*time.Second, chromedp.Navigate(sys.base+"/console/tips/"+idA), chromedp.WaitVisible(chromedp.CSS(".refusal")))
		html = pageHTML(t, staff)
		if strings.Contains(html, refA) || strings.Contains(html, "encerrada") {
			t.Error("the PE-CUS user sees the PE-MDD tip's page")
		}
	})

	t.Run("a supervisor creates a campaign, adds a material and sees its figures", func(t *testing.T) {
		do(t, ctx, 20*time.Second, chromedp.Navigate(sys.base+"/console/campaigns"), chromedp.WaitVisible(chromedp.CSS(`form[data-action=campaign-create]`)),
			chromedp.SendKeys(chromedp.CSS(`form[data-action=campaign-create] input[name=name]`), "Rutas seguras Madre de Dios"),
			chromedp.SendKeys(chromedp.CSS(`form[data-action=campaign-create] input[name=regions]`), "PE-MDD"),
			chromedp.SendKeys(chromedp.CSS(`form[data-action=campaign-create] input[name=numbers]`), "+51900000000"),
			chromedp.Click(chromedp.CSS(`form[data-action=campaign-create] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[data-action=material-add]`)),
			chromedp.SendKeys(chromedp.CSS(`form[data-action=material-add] input[name=label]`), "Afiche terminal terrestre"),
			chromedp.Click(chromedp.CSS(`form[data-action=material-add] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `[...document.querySelectorAll('.list li')].some(li => li.textContent.includes('Afiche terminal terrestre'))`)
		code := text(t, ctx, ".list li strong")
		sys.webhook(t, "+51987650005", code+" En el terminal de Puerto Maldonado ofrecen trabajo a chicas menores de edad para un bar")
		for deadline := time.Now().Add(20 * time.Second); ; {
			do(t, ctx, 30*time.Second, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form[data-action=material-add]`)))
			if eval[int](t, ctx, `document.querySelectorAll('svg.chart rect.bar').length`) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the campaign's figures show no bar after a tip with its material's code")
			}
			time.Sleep(time.Second)
		}
		screenshot(t, ctx, "09-campaign")
		do(t, ctx, 30*time.Second, chromedp.SetValue(chromedp.CSS(`form[data-action=campaign-edit] input[name=name]`), "Rutas seguras Madre de Dios 2027"),
			chromedp.Click(chromedp.CSS(`form[data-action=campaign-edit] button[type=submit]`)))
		waitJS(t, ctx, 30*time.Second, `!!document.querySelector('form[data-action=campaign-edit] .ok')`)
		do(t, ctx, 30*time.Second, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form[data-action=campaign-edit]`)))
		if got := text(t, ctx, "h1"); got != "Campaña Rutas seguras Madre de Dios 2027" {
			t.Errorf("after the edit the campaign is %q", got)
		}
		do(t, ctx, 20*time.Second, chromedp.Click(chromedp.CSS(`.list li a`)), chromedp.WaitVisible(chromedp.CSS(".sheet .code")))
		waitJS(t, ctx, 30*time.Second, `document.querySelector('.sheet img.qr').naturalWidth > 0`)
		screenshot(t, ctx, "10-material-sheet")
	})

	t.Run("when the session expires the console asks to sign in again and keeps what was typed", func(t *testing.T) {
		key, err := os.ReadFile(filepath.Join(sys.keyDir, "staff-token.key"))
		if err != nil {
			t.Fatal(err)
		}
		tokens := staff.LocalTokens{Key: key, Issuer: staff.LocalIssuer, Audience: staff.LocalAudience}
		short, err := tokens.Issue("local-admin", staff.RoleAdmin, nil, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := tokens.Issue("local-admin", staff.RoleAdmin, nil, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		user := tab(t, ctx)
		const draft = "Hola, ¿puede decirnos en qué calle está el bar?"
		do(t, user, 20*time.Second, chromedp.Navigate(sys.base+"/console/tips/"+idA+"#token="+short),
			chromedp.WaitVisible(chromedp.CSS(`form[data-action=reply] textarea[name=body]`)),
			chromedp.SendKeys(chromedp.CSS(`form[data-action=reply] textarea[name=body]`), draft))
		time.Sleep(4 * time.Second) // the token expires
		do(t, user, 10*time.Second, chromedp.Click(chromedp.CSS(`form[data-action=reply] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#session input[type=password]`)))
		screenshot(t, user, "13-session-expired")
		// The page is drawn again after signing in: wait for the new form.
		eval[bool](t, user, `document.querySelector('form[data-action=reply]').dataset.before = 'yes'; true`)
		do(t, user, 10*time.Second, chromedp.SendKeys(chromedp.CSS(`#session input[type=password]`), fresh),
			chromedp.Click(chromedp.CSS(`#session form button[type=submit]`)))
		waitJS(t, user, 10*time.Second, `document.querySelector('#session').hidden && !document.querySelector('form[data-action=reply]').dataset.before &&
			document.querySelector('form[data-action=reply] textarea').value === `+jsString(draft))
		do(t, user, 10*time.Second, chromedp.Click(chromedp.CSS(`form[data-action=reply] button[type=submit]`)))
		sys.waitOutbox(t, "the reply typed before the session expired", func(m sentMessage) bool { return m.Body == draft && m.To == reporterA })
	})

	t.Run("a reporter who opted out cannot be answered, and the tip page says why before anyone types", func(t *testing.T) {
		const reporterD = "+51987650006"
		refD := sys.webhook(t, reporterD, "En Puerto Maldonado un señor ofrece trabajo a chicas en un bar, creo que son menores")
		if out := sys.post(t, reporterD, "BAJA"); !strings.Contains(out, "no te enviaremos") {
			t.Fatalf("the opt-out was not confirmed: %s", out)
		}
		do(t, ctx, 20*time.Second, chromedp.Navigate(sys.base+"/console/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-ref="`+refD+`"] a`)),
			chromedp.Click(chromedp.CSS(`tr[data-ref="`+refD+`"] a`)), chromedp.WaitVisible(chromedp.CSS(`form[data-action=reply]`)))
		if got := text(t, ctx, "#reply-refusal"); !strings.Contains(got, "pidió no recibir mensajes") {
			t.Errorf("the reply form says %q, want that the reporter opted out", got)
		}
		if !eval[bool](t, ctx, `document.querySelector('form[data-action=reply] textarea').disabled`) {
			t.Error("the reply field takes text for a reporter who opted out")
		}
		if !eval[bool](t, ctx, `document.querySelector('form[data-action=reply] button[type=submit]').disabled`) {
			t.Error("the reply form can be sent for a reporter who opted out")
		}
		for _, m := range sys.outbox(t) {
			if m.To == reporterD {
				t.Errorf("message %s went to the reporter who opted out", m.SID)
			}
		}
	})

	t.Run("a shared location shows as coordinates with a map link, and the page loads nothing from elsewhere", func(t *testing.T) {
		refW := sys.webhook(t, "+51987650007", "Aquí tienen encerradas a dos chicas menores de edad, vengan rápido", "-whatsapp",
			"-lat", "-12.5931", "-lon", "-69.1891", "-label", "Bar La Noche")
		do(t, ctx, 20*time.Second, chromedp.Navigate(sys.base+"/console/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-ref="`+refW+`"] a`)),
			chromedp.Click(chromedp.CSS(`tr[data-ref="`+refW+`"] a`)), chromedp.WaitVisible(chromedp.CSS(`.thread .coords`)))
		if got := text(t, ctx, ".thread .coords"); got != "-12.59310, -69.18910" {
			t.Errorf("the coordinates read %q", got)
		}
		href := get(t, ctx, 5*time.Second, chromedp.AttributeValue(chromedp.CSS(`.thread .loc a`), "href")).Value
		if !strings.HasPrefix(href, "https://www.openstreetmap.org/?mlat=-12.5931&mlon=-69.1891") {
			t.Errorf("the map link is %q", href)
		}
		elsewhere := eval[[]string](t, ctx, `performance.getEntriesByType('resource').map(e => e.name).filter(u => new URL(u).origin !== location.origin)`)
		if len(elsewhere) > 0 {
			t.Errorf("the page loaded from other origins: %v", elsewhere)
		}
	})

	t.Run("every control of the tip page has a label", func(t *testing.T) {
		do(t, ctx, 20*time.Second, chromedp.Navigate(sys.base+"/console/tips/"+idA), chromedp.WaitVisible(chromedp.CSS(`form[data-action=reply]`)))
		unlabelled := eval[[]string](t, ctx, `[...document.querySelectorAll('input, select, textarea, button')].filter(c =>
			!(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim()).map(c => c.outerHTML)`)
		if len(unlabelled) > 0 {
			t.Errorf("controls without a label: %v", unlabelled)
		}
	})

	t.Run("an admin sees the authorities directory and the page switches to English", func(t *testing.T) {
		do(t, ctx, 20*time.Second, chromedp.Navigate(sys.base+"/console/authorities"), chromedp.WaitVisible(chromedp.CSS("details.card")))
		screenshot(t, ctx, "11-authorities")
		do(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#lang")))
		waitJS(t, ctx, 30*time.Second, `document.documentElement.lang === 'en' && document.querySelector('h1').textContent === 'Authorities'`)
		do(t, ctx, 30*time.Second, chromedp.Click(chromedp.CSS("#lang")))
		waitJS(t, ctx, 30*time.Second, `document.documentElement.lang === 'es'`)
	})

	t.Run("on a phone the queue fits the screen", func(t *testing.T) {
		phone := tab(t, ctx)
		do(t, phone, 20*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(sys.adminLink),
			chromedp.WaitVisible(chromedp.CSS("#queue table")))
		if eval[bool](t, phone, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
			t.Error("the page is wider than the phone's screen")
		}
		screenshot(t, phone, "12-queue-phone")
	})
}

// BenchmarkConsole measures the first load's transfer (bytes on the wire,
// gzipped) and the time the queue takes to render 500 tips in the page.
func BenchmarkConsole(b *testing.B) {
	chromiumPath(b)
	sys := startSystem(b)
	ctx := browser(b)
	var mu sync.Mutex
	var transfer float64
	events := chromedp.Events(ctx, network.LoadingFinished)
	go func() {
		for e, err := range events {
			if err != nil {
				return
			}
			mu.Lock()
			transfer += e.EncodedDataLength
			mu.Unlock()
		}
	}()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		b.Fatal(err)
	}
	do(b, ctx, 30*time.Second, chromedp.Navigate(sys.adminLink), chromedp.WaitVisible(chromedp.CSS("#queue")))
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	first := transfer
	mu.Unlock()
	const render = `(async () => {
		const src = document.querySelector('script[type=module]').src;
		const m = await import(src);
		const tips = Array.from({length: 500}, (_, i) => ({id: 'T' + i, ref: 'R' + String(i).padStart(5, '0'), status: 'triaged',
			urgency: ['critical', 'high', 'medium', 'low'][i % 4], category: 'sexual', region: 'PE-MDD', place: 'Puerto Maldonado',
			campaign_id: 'c1', created_at: new Date(Date.now() - i * 60000).toISOString(), reportable: i % 3 === 0}));
		const t0 = performance.now();
		const table = m.queueTable(tips);
		document.querySelector('#queue').replaceChildren(table);
		table.getBoundingClientRect();
		await new Promise(r => requestAnimationFrame(() => r()));
		return performance.now() - t0;
	})()`
	var total float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		total += get(b, ctx, 30*time.Second, chromedp.Evaluate[float64](render, chromedp.EvalAwaitPromise))
	}
	b.StopTimer()
	b.ReportMetric(first, "first-load-bytes")
	b.ReportMetric(total/float64(b.N), "queue500-render-ms")
}
