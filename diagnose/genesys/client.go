package genesys

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ClientConfig configures the read-only API client.
type ClientConfig struct {
	// APIBase is https://api.<domain> (or a simulator's base URL).
	APIBase string
	// TokenURL is where the client-credentials grant is sent.
	TokenURL string
	// ClientID and ClientSecret select the client-credentials grant;
	// AccessToken an existing token instead.
	ClientID, ClientSecret, AccessToken string
	// Transport is the base transport (with its own dial and TLS
	// timeouts); nil means a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// AttemptTimeout bounds one HTTP attempt (default 15s); the caller's
	// context bounds the whole budget.
	AttemptTimeout time.Duration
	// MaxAttempts bounds the attempts per request (default 5).
	MaxAttempts int
	// MaxBody is the largest response body read (default 64 MiB).
	MaxBody int64
	// MaxTotalBody is the memory all the client's response bodies may
	// take together (default twice MaxBody): the parallel reads share it,
	// so six endless bodies cost one budget, not six.
	MaxTotalBody int64
	// Logf receives one line per attempt (verbose mode); nil for none.
	Logf func(format string, args ...any)
	// Progress receives an event when a request starts, ends, or waits
	// before a retry (a terminal's progress line); nil for none. It is
	// called from the requests' goroutines.
	Progress func(Progress)
	// Sleep waits between attempts; nil means a timer that honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Pace, when set, spaces every request (the token's too) to the org's
	// rate limit (a RatePacer); nil sends at once.
	Pace Pacer
}

// Progress is one moment of a live read, for a progress display.
type Progress struct {
	Kind ProgressKind
	// What is the request: "POST /oauth/token", "GET /api/v2/tokens/me".
	What string
	// Attempt counts from 1.
	Attempt int
	// Wait (ProgressWait) is how long until the next attempt, and Status
	// what asked for it (429, 503; 0 for a network error).
	Wait   time.Duration
	Status int
}

// ProgressKind says what a Progress event is.
type ProgressKind int

// Progress kinds.
const (
	ProgressStart ProgressKind = iota
	ProgressDone
	ProgressWait
)

func (c ClientConfig) progress(p Progress) {
	if c.Progress != nil {
		c.Progress(p)
	}
}

// Client is a read-only Genesys Cloud API client. It can fetch a token and
// GET paths; it has no way to send anything else, and its transport refuses
// any request that is not a GET (or the token POST) before it is sent.
type Client struct {
	cfg    ClientConfig
	api    *url.URL
	http   *http.Client
	source *tokenSource
	// bodies is the memory the response bodies share.
	bodies *bodyBudget
	mu     sync.Mutex
	sent   []string
}

// ErrNotReadOnly is returned, without sending anything, for a request that
// is not a GET (other than the token request).
var ErrNotReadOnly = errors.New("refused: convdiag check only sends GET requests (and the token request)")

// readOnlyTransport lets through GET and HEAD, and POST to the token URL
// only; everything else fails before it reaches the network.
type readOnlyTransport struct {
	base     http.RoundTripper
	tokenURL string
	record   func(string)
	pace     Pacer
}

func (t readOnlyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch {
	case req.Method == http.MethodGet || req.Method == http.MethodHead:
	case req.Method == http.MethodPost && t.tokenURL != "" && sameEndpoint(req.URL, t.tokenURL):
	default:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, ErrNotReadOnly)
	}
	if t.pace != nil {
		if err := t.pace.Wait(req.Context()); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
	}
	if t.record != nil {
		t.record(req.Method + " " + req.URL.EscapedPath()) // as it goes on the wire
	}
	resp, err := t.base.RoundTrip(req)
	if t.pace != nil {
		if err != nil {
			t.pace.Observe(0, nil)
		} else {
			t.pace.Observe(resp.StatusCode, resp.Header)
		}
	}
	return resp, err
}

func sameEndpoint(u *url.URL, raw string) bool {
	v, err := url.Parse(raw)
	return err == nil && strings.EqualFold(u.Host, v.Host) && u.Path == v.Path && u.Scheme == v.Scheme
}

// NewClient builds the client. Nothing is sent until Token or Get.
func NewClient(cfg ClientConfig) (*Client, error) {
	api, err := url.Parse(strings.TrimSuffix(cfg.APIBase, "/"))
	if err != nil || api.Scheme == "" || api.Host == "" {
		return nil, fmt.Errorf("API base %q is not an absolute URL", cfg.APIBase)
	}
	if cfg.AccessToken == "" && (cfg.ClientID == "" || cfg.ClientSecret == "") {
		return nil, errors.New("no credentials: a client id and secret, or an access token, is needed")
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 15 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 20
	}
	if cfg.MaxTotalBody <= 0 {
		cfg.MaxTotalBody = 2 * cfg.MaxBody
	}
	if cfg.Sleep == nil {
		cfg.Sleep = SleepContext
	}
	c := &Client{cfg: cfg, api: api, bodies: &bodyBudget{left: cfg.MaxTotalBody}}
	guard := readOnlyTransport{base: cfg.Transport, tokenURL: cfg.TokenURL, record: c.record, pace: cfg.Pace}
	c.source = &tokenSource{cfg: cfg, httpc: &http.Client{Transport: guard, Timeout: cfg.AttemptTimeout, CheckRedirect: refuseRedirect}}
	// One client for the API: explicit per-attempt timeout (set per
	// request from the budget), the read-only guard, the token added by
	// oauth2.Transport from a source convdiag controls.
	c.http = &http.Client{Transport: &oauth2.Transport{Base: guard, Source: c.source}, CheckRedirect: refuseRedirect}
	return c, nil
}

// RedirectError is a redirect convdiag refused to follow: Genesys does not
// redirect API or token requests, so something in between (a gateway, a
// proxy, a captive portal) answered, and following it would hand the token
// or the client secret to another host.
type RedirectError struct {
	Status   int
	Location string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("answered %d redirecting to %s: Genesys does not redirect API calls, so a gateway or proxy is in the way; not followed, so no credential left for it", e.Status, e.Location)
}

// refuseRedirect never follows a redirect: oauth2.Transport would add the
// Authorization header on every hop, and the token endpoint would send the
// client's id and secret again, whatever the host.
func refuseRedirect(req *http.Request, via []*http.Request) error {
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	return &RedirectError{Status: status, Location: req.URL.Redacted()}
}

func (c *Client) record(s string) {
	c.mu.Lock()
	c.sent = append(c.sent, s)
	c.mu.Unlock()
}

// Sent lists the requests that went out ("GET /api/v2/..."), in order.
func (c *Client) Sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sent...)
}

// ClientID is the OAuth client the client logs in as ("" with an access
// token).
func (c *Client) ClientID() string { return c.cfg.ClientID }

// TokenValue returns the access token in use ("" before Token), so that
// every output can redact it.
func (c *Client) TokenValue() string {
	c.source.mu.Lock()
	defer c.source.mu.Unlock()
	if c.source.tok == nil {
		return ""
	}
	return c.source.tok.AccessToken
}

// HTTPClient exposes the underlying client so tests can prove that it
// refuses mutating requests.
func (c *Client) HTTPClient() *http.Client { return c.http }

// TokenError describes a failed token request.
type TokenError struct {
	Status int
	// Code and Description are the OAuth error fields (invalid_client, ...).
	Code, Description string
	// Unreachable is set when the token host could not be reached at all.
	Unreachable bool
	// Redirect is set when the token endpoint answered with a redirect,
	// which is refused.
	Redirect *RedirectError
	Err      error
}

func (e *TokenError) Error() string {
	switch {
	case e.Redirect != nil:
		return "the token endpoint " + e.Redirect.Error()
	case e.Unreachable:
		return "token endpoint unreachable: " + e.Err.Error()
	case e.Code != "":
		s := fmt.Sprintf("token request refused (HTTP %d): %s", e.Status, e.Code)
		if e.Description != "" {
			s += ": " + e.Description
		}
		return s
	case e.Status != 0:
		return fmt.Sprintf("token request failed (HTTP %d)", e.Status)
	}
	return "token request failed: " + e.Err.Error()
}

func (e *TokenError) Unwrap() error { return e.Err }

// tokenSource fetches client-credentials tokens (with retries) or serves a
// static token; it can be invalidated after a 401.
type tokenSource struct {
	cfg   ClientConfig
	httpc *http.Client
	mu    sync.Mutex
	tok   *oauth2.Token
	// ctx is the context of the current run (budget and cancellation).
	ctx context.Context
}

func (s *tokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.Valid() {
		return s.tok, nil
	}
	if s.cfg.AccessToken != "" {
		s.tok = &oauth2.Token{AccessToken: s.cfg.AccessToken, TokenType: "Bearer"}
		return s.tok, nil
	}
	ctx := s.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	tok, err := s.fetch(ctx)
	if err != nil {
		return nil, err
	}
	if !tok.Valid() {
		// expires_in <= 0 (or within oauth2's ten-second margin): such a
		// token would be fetched again for every read. It is used for
		// this run; a 401 still fetches a new one, once.
		tok.Expiry = time.Time{}
		s.logf("the token endpoint gave a token that expires at once (expires_in <= 0): using it for this check")
	}
	s.tok = tok
	return tok, nil
}

func (s *tokenSource) invalidate() {
	s.mu.Lock()
	s.tok = nil
	s.mu.Unlock()
}

// fetch runs the client-credentials grant: POST with Basic auth and
// grant_type=client_credentials, retried on 429 and 5xx within the budget.
func (s *tokenSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	cc := clientcredentials.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, TokenURL: s.cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.httpc)
	var last *TokenError
	what := "POST " + pathOf(s.cfg.TokenURL)
	defer s.cfg.progress(Progress{Kind: ProgressDone, What: what})
	for attempt := 1; attempt <= s.cfg.MaxAttempts; attempt++ {
		start := time.Now()
		s.cfg.progress(Progress{Kind: ProgressStart, What: what, Attempt: attempt})
		tok, err := cc.Token(ctx)
		if err == nil {
			s.logf("POST %s -> 200 (%s)", s.cfg.TokenURL, time.Since(start).Round(time.Millisecond))
			return tok, nil
		}
		te := &TokenError{Err: err}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			te.Code, te.Description = re.ErrorCode, re.ErrorDescription
			if re.Response != nil {
				te.Status = re.Response.StatusCode
			}
		} else if errors.As(err, &te.Redirect) {
			te.Status = te.Redirect.Status
		} else {
			var ne net.Error
			var oe *net.OpError
			te.Unreachable = errors.As(err, &oe) || errors.As(err, &ne) && !ne.Timeout()
		}
		s.logf("POST %s -> %s", s.cfg.TokenURL, te)
		last = te
		retryable := te.Redirect == nil && (te.Status == 429 || te.Status == 502 || te.Status == 503 || te.Status == 504 || te.Status == 0 && !te.Unreachable && transient(err))
		if !retryable || attempt == s.cfg.MaxAttempts {
			break
		}
		wait := backoff(attempt)
		if re != nil && re.Response != nil {
			if d, ok := retryAfter(re.Response.Header); ok {
				wait = max(d, minRetryWait)
			}
		}
		if !fits(ctx, wait) {
			break
		}
		s.cfg.progress(Progress{Kind: ProgressWait, What: what, Attempt: attempt, Wait: wait, Status: te.Status})
		if s.cfg.Sleep(ctx, wait) != nil {
			break
		}
	}
	if ctx.Err() != nil && last != nil && last.Status == 0 {
		last.Err = fmt.Errorf("%w (budget spent)", ctx.Err())
	}
	return nil, last
}

func (s *tokenSource) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// Token obtains the token now (the first round trip of a live check).
func (c *Client) Token(ctx context.Context) error {
	c.source.mu.Lock()
	c.source.ctx = ctx
	c.source.mu.Unlock()
	_, err := c.source.Token()
	return err
}

// Result is the outcome of a GET.
type Result struct {
	URL    string
	Status int
	Body   []byte
	Header http.Header
	// Attempts counts the HTTP attempts made.
	Attempts int
	// BudgetSpent is set when retrying stopped because the budget would
	// not allow the next wait.
	BudgetSpent bool
}

// CorrelationID is the ININ-Correlation-Id response header.
func (r *Result) CorrelationID() string { return r.Header.Get("ININ-Correlation-Id") }

// RateLimit returns the inin-ratelimit-* headers.
func (r *Result) RateLimit() map[string]string {
	out := map[string]string{}
	for k, v := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "inin-ratelimit-") && len(v) > 0 {
			out[lk] = v[0]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// GetError is a GET that produced no HTTP response at all.
type GetError struct {
	URL         string
	Attempts    int
	Unreachable bool
	BudgetSpent bool
	Err         error
}

func (e *GetError) Error() string {
	switch {
	case e.BudgetSpent:
		return fmt.Sprintf("GET %s: time budget spent after %d %s: %v", e.URL, e.Attempts, map[bool]string{true: "attempt", false: "attempts"}[e.Attempts == 1], e.Err)
	case e.Unreachable:
		return fmt.Sprintf("GET %s: API unreachable: %v", e.URL, e.Err)
	}
	return fmt.Sprintf("GET %s: %v", e.URL, e.Err)
}

func (e *GetError) Unwrap() error { return e.Err }

// Get fetches a path (with its query, if any) under the API base. 429 (honouring Retry-After) and
// 502/503/504 are retried with jittered backoff within the context's budget;
// a 401 fetches a new token once.
func (c *Client) Get(ctx context.Context, path string) (*Result, error) {
	// path arrives escaped (its ids path-escaped once): it is joined as
	// it is, never escaped again.
	u := *c.api
	path, u.RawQuery, _ = strings.Cut(path, "?")
	u.RawPath = strings.TrimSuffix(c.api.EscapedPath(), "/") + path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	} else {
		u.Path = u.RawPath
	}
	full := u.String()
	what := "GET " + u.EscapedPath()
	defer c.cfg.progress(Progress{Kind: ProgressDone, What: what})
	wait := func(attempt int, d time.Duration, status int) bool {
		if !fits(ctx, d) {
			return false
		}
		c.cfg.progress(Progress{Kind: ProgressWait, What: what, Attempt: attempt, Wait: d, Status: status})
		return c.cfg.Sleep(ctx, d) == nil
	}
	refreshed := false
	var last *Result
	for attempt := 1; ; attempt++ {
		c.cfg.progress(Progress{Kind: ProgressStart, What: what, Attempt: attempt})
		res, err := c.attempt(ctx, full)
		if err != nil {
			ge := &GetError{URL: full, Attempts: attempt, Err: err}
			var te *TokenError
			if errors.As(err, &te) {
				return nil, te
			}
			if ctx.Err() != nil {
				ge.BudgetSpent = true
				if last != nil {
					last.BudgetSpent = true
					return last, nil
				}
				return nil, ge
			}
			var re *RedirectError
			if errors.As(err, &re) || errors.Is(err, errBodyTooLarge) {
				return nil, ge
			}
			var oe *net.OpError
			ge.Unreachable = errors.As(err, &oe)
			// Only what may pass (a timeout, a dropped connection) is
			// tried again; a server that answers with invalid headers
			// will answer so again.
			if ge.Unreachable || !transient(err) || attempt >= c.cfg.MaxAttempts {
				return nil, ge
			}
			if !wait(attempt, backoff(attempt), 0) {
				ge.BudgetSpent = true
				return nil, ge
			}
			continue
		}
		res.Attempts = attempt
		last = res
		switch res.Status {
		case http.StatusUnauthorized:
			if refreshed || c.cfg.AccessToken != "" {
				return res, nil
			}
			refreshed = true
			c.bodies.drop(res.Body)
			c.source.invalidate()
			continue
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			// Retried up to MaxAttempts, each wait what Retry-After asks
			// (at least minRetryWait: "Retry-After: 0" from a hostile or
			// broken server is no reason to hammer it) within the budget.
			if attempt >= c.cfg.MaxAttempts {
				return res, nil
			}
			d := backoff(attempt)
			if ra, ok := retryAfter(res.Header); ok {
				d = max(ra, minRetryWait)
			}
			if !wait(attempt, d, res.Status) {
				res.BudgetSpent = true
				return res, nil
			}
			c.bodies.drop(res.Body) // dropped for the next answer
			continue
		}
		return res, nil
	}
}

// Release gives a result's body back to the memory the client's bodies
// share (MaxTotalBody): for a caller that reads again and again (a watch's
// polls, apply's re-reads) and is done with what it read. The body must
// not be used afterwards.
func (c *Client) Release(res *Result) {
	if res == nil || res.Body == nil {
		return
	}
	c.bodies.drop(res.Body)
	res.Body = nil
}

func (c *Client) attempt(ctx context.Context, full string) (*Result, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, full, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "convdiag (read-only diagnosis)")
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.logf("GET %s -> %v", full, err)
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := c.bodies.read(resp.Body, resp.ContentLength, c.cfg.MaxBody)
	if err != nil {
		return nil, err
	}
	c.logf("GET %s -> %d (%s, %d bytes, correlation id %s)", full, resp.StatusCode, time.Since(start).Round(time.Millisecond), len(body), resp.Header.Get("ININ-Correlation-Id"))
	return &Result{URL: full, Status: resp.StatusCode, Body: body, Header: resp.Header}, nil
}

func (c *Client) logf(format string, args ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf(format, args...)
	}
}

// minRetryWait is the least a Retry-After wait is.
const minRetryWait = 250 * time.Millisecond

// backoff is the jittered exponential wait before attempt n+1: between half
// and all of 250ms·2^(n-1), capped at 8s.
func backoff(n int) time.Duration {
	d := 250 * time.Millisecond << (n - 1)
	if d > 8*time.Second || d <= 0 {
		d = 8 * time.Second
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// retryAfter reads Retry-After (seconds or an HTTP date). A number of
// seconds too large for a duration is "later than any budget"
// (retryNever), not an overflow into a short or negative wait.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if allDigits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(retryNever/time.Second) {
			return retryNever, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// retryNever is a Retry-After beyond any budget.
const retryNever = time.Duration(1<<63 - 1)

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// fits reports whether waiting d leaves budget for another attempt.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return d != retryNever && (!ok || time.Until(dl) > d)
}

// SleepContext waits d, or until ctx ends (then it returns ctx.Err()).
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pathOf is a URL's path ("/oauth/token"), or the URL when it does not
// parse.
func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Path != "" {
		return u.Path
	}
	return raw
}
