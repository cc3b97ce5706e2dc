package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Running is a simulated org served on a listener, like an
// httptest.Server: URL is its base URL, Close stops it.
type Running struct {
	// URL is the base URL to reach it from this machine,
	// http://127.0.0.1:PORT (for an address of every interface too).
	URL string
	// Addr is the address it really listens on ("0.0.0.0:8765",
	// "127.0.0.1:41234").
	Addr string
	// Loopback is set when only this machine can reach it;
	// AllInterfaces when it listens on every network interface.
	Loopback, AllInterfaces bool
	srv                     *http.Server
}

// StartOptions tune Start.
type StartOptions struct {
	// WriteTimeout bounds the writing of one response (default
	// DefaultWriteTimeout): a reader that stops reading is cut off.
	WriteTimeout time.Duration
}

// DefaultWriteTimeout is how long a response may take to write.
const DefaultWriteTimeout = time.Minute

// Start serves h on addr ("127.0.0.1:0" picks a free port) until Close or
// until ctx ends. It is what `convdiag sim`, `convdiag demo` and the tests
// use.
func Start(ctx context.Context, addr string, h http.Handler) (*Running, error) {
	return StartWith(ctx, addr, h, StartOptions{})
}

// StartWith is Start with options.
func StartWith(ctx context.Context, addr string, h http.Handler, o StartOptions) (*Running, error) {
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: o.WriteTimeout, IdleTimeout: 60 * time.Second}
	if c, ok := h.(interface{ Close() }); ok {
		// WebSockets are hijacked connections, which Shutdown leaves open.
		srv.RegisterOnShutdown(c.Close)
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under it; Close reports nothing more useful
		}
	}()
	bound := ln.Addr().String()
	host := bound
	if strings.HasPrefix(host, "[::]") || strings.HasPrefix(host, "0.0.0.0") {
		host = "127.0.0.1" + host[strings.LastIndexByte(host, ':'):]
	}
	run := &Running{URL: "http://" + host, Addr: bound, srv: srv}
	if ta, ok := ln.Addr().(*net.TCPAddr); ok {
		run.Loopback, run.AllInterfaces = ta.IP.IsLoopback(), ta.IP.IsUnspecified()
	}
	return run, nil
}

// idleCloser is a client transport whose idle connections can be closed.
type idleCloser interface{ CloseIdleConnections() }

// Close stops the server. The clients' idle connections are closed first:
// a connection a client dialled but never used is "new" to the server,
// which Shutdown would wait up to five seconds for.
func (r *Running) Close(clients ...http.RoundTripper) {
	for _, c := range clients {
		if ic, ok := c.(idleCloser); ok {
			ic.CloseIdleConnections()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		_ = r.srv.Close()
	}
}
