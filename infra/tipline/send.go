package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"tipline/shared/twilio"
	"tipline/shared/twilio/fakeapi"
)

type mediaFlag []string

func (m *mediaFlag) String() string     { return strings.Join(*m, ",") }
func (m *mediaFlag) Set(v string) error { *m = append(*m, v); return nil }

func runSend(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", localWebhook(), "webhook URL, exactly as Twilio is configured to call it (default $TIPLINE_API/twilio/messages)")
	from := fs.String("from", "+51987654321", "sender's number, E.164")
	to := fs.String("to", "+51900000000", "the campaign number written to, E.164")
	body := fs.String("body", "", "message text")
	whatsapp := fs.Bool("whatsapp", false, "send as a WhatsApp message")
	sid := fs.String("sid", "", "MessageSid (default: a new one); reuse one to replay a webhook")
	token := fs.String("auth-token", envOr("TWILIO_AUTH_TOKEN", localAuthToken), "auth token that signs the request (env TWILIO_AUTH_TOKEN)")
	account := fs.String("account-sid", envOr("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"), "AccountSid sent in the form")
	profile := fs.String("profile-name", "", "WhatsApp profile name")
	lat := fs.String("lat", "", "WhatsApp shared location: latitude")
	lon := fs.String("lon", "", "WhatsApp shared location: longitude")
	label := fs.String("label", "", "WhatsApp shared location: label")
	viaTwilio := fs.Bool("via-twilio", false, "send through serve's built-in fake Twilio (POST /local/inbound on -url's host): the message enters its message log and reaches the webhook once, as from a phone")
	var media mediaFlag
	fs.Var(&media, "media", "a file or URL of a photo, audio or video (repeatable); serve's fake Twilio keeps it, as Twilio would")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *body == "" && len(media) == 0 && *lat == "" {
		return errors.New("send: give -body, -media or -lat/-lon")
	}
	if *viaTwilio {
		return sendViaTwilio(*target, *from, *to, *body, *whatsapp, media, stdout, stderr)
	}
	if *sid == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		*sid = "SM" + hex.EncodeToString(b)
	}
	form := url.Values{
		"MessageSid": {*sid}, "SmsMessageSid": {*sid}, "SmsSid": {*sid}, "AccountSid": {*account},
		"From": {*from}, "To": {*to}, "Body": {*body}, "NumMedia": {strconv.Itoa(len(media))},
		"NumSegments": {"1"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
	if *whatsapp {
		form.Set("From", "whatsapp:"+*from)
		form.Set("To", "whatsapp:"+*to)
		form.Set("WaId", strings.TrimPrefix(*from, "+"))
		if *profile != "" {
			form.Set("ProfileName", *profile)
		}
	}
	for i, m := range media {
		u, ct, err := hostMedia(*target, *sid, m)
		if err != nil {
			return fmt.Errorf("send: -media %s: %w", m, err)
		}
		form.Set("MediaUrl"+strconv.Itoa(i), u)
		form.Set("MediaContentType"+strconv.Itoa(i), ct)
	}
	if *lat != "" || *lon != "" {
		form.Set("Latitude", *lat)
		form.Set("Longitude", *lon)
		form.Set("Label", *label)
	}
	req, err := http.NewRequest(http.MethodPost, *target, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.SignatureHeader, twilio.Sign(*token, *target, form))
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("send: read reply: %w", err)
	}
	fmt.Fprintf(stderr, "%s (MessageSid %s)\n", resp.Status, *sid)
	fmt.Fprintln(stdout, strings.TrimSpace(string(out)))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("send: webhook answered %s", resp.Status)
	}
	return nil
}

// sendViaTwilio posts the message to the fake Twilio's inbound side, which
// keeps it and delivers the webhook itself; it prints the new MessageSid.
// A location or profile name cannot go this way (Twilio's log has neither).
func sendViaTwilio(webhookURL, from, to, body string, whatsapp bool, media []string, stdout, stderr io.Writer) error {
	u, err := url.Parse(webhookURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("send: -url %q is not a URL", webhookURL)
	}
	if len(media) > 1 {
		return errors.New("send: -via-twilio takes at most one -media")
	}
	inbound := u.Scheme + "://" + u.Host + "/local/inbound"
	form := url.Values{"From": {from}, "To": {to}, "Body": {body}}
	if whatsapp {
		form.Set("From", "whatsapp:"+from)
		form.Set("To", "whatsapp:"+to)
	}
	if len(media) == 1 {
		form.Set("MediaUrl0", media[0])
		form.Set("MediaContentType0", "image/jpeg")
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).PostForm(inbound, form)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("send: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("send: %s answered %s: %s (is serve running with the built-in fake Twilio?)", inbound, resp.Status, strings.TrimSpace(string(out)))
	}
	var got struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(out, &got); err != nil || got.SID == "" {
		return fmt.Errorf("send: %s answered without a sid", inbound)
	}
	fmt.Fprintf(stderr, "accepted by the fake Twilio; it delivers the webhook once (MessageSid %s)\n", got.SID)
	fmt.Fprintln(stdout, got.SID)
	return nil
}

// hostMedia makes the local stack's fake Twilio hold one -media item (a
// file, or a URL read here) for message sid and returns its Twilio-shaped
// URL and content type. A URL on api.twilio.com is Twilio's already and is
// passed on as it is.
func hostMedia(webhook, sid, item string) (string, string, error) {
	ext := strings.ToLower(path.Ext(strings.SplitN(item, "?", 2)[0]))
	if u, err := url.Parse(item); err == nil && u.Scheme == "https" && u.Hostname() == "api.twilio.com" {
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "image/jpeg"
		}
		return item, ct, nil
	}
	client := &http.Client{Timeout: 15 * time.Second}
	var data []byte
	ct := mime.TypeByExtension(ext)
	if strings.HasPrefix(item, "http://") || strings.HasPrefix(item, "https://") {
		resp, err := client.Get(item)
		if err != nil {
			return "", "", err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", "", fmt.Errorf("answered %s", resp.Status)
		}
		if data, err = io.ReadAll(io.LimitReader(resp.Body, fakeapi.MaxMediaSize+1)); err != nil {
			return "", "", err
		}
		if c := resp.Header.Get("Content-Type"); c != "" {
			ct = c
		}
	} else {
		var err error
		if data, err = os.ReadFile(item); err != nil {
			return "", "", err
		}
	}
	if len(data) > fakeapi.MaxMediaSize {
		return "", "", errors.New("larger than 5 MB, more than Twilio takes")
	}
	w, err := url.Parse(webhook)
	if err != nil {
		return "", "", err
	}
	up := w.Scheme + "://" + w.Host + "/local/media?" + url.Values{"message": {sid}}.Encode()
	req, err := http.NewRequest(http.MethodPost, up, bytes.NewReader(data))
	if err != nil {
		return "", "", err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		return "", "", fmt.Errorf("%s keeps no local media: a file works with serve and its built-in fake Twilio; elsewhere give a Twilio media URL", w.Host)
	}
	var out struct {
		URL         string `json:"url"`
		ContentType string `json:"content_type"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil || out.URL == "" {
		return "", "", fmt.Errorf("the local stack did not keep it (%s)", resp.Status)
	}
	return out.URL, out.ContentType, nil
}

// localWebhook is the webhook of the stack at $TIPLINE_API (the base URL
// campaign also uses), http://localhost:8080 by default.
func localWebhook() string {
	return strings.TrimRight(envOr("TIPLINE_API", "http://localhost:8080"), "/") + "/twilio/messages"
}
