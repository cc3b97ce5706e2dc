package genesys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
)

// errBodyTooLarge is a response body over a cap: reading it again would
// cost as much again, so it is not retried.
var errBodyTooLarge = errors.New("response body too large")

// bodyBudget is the memory a client's response bodies share: the reads
// run in parallel, and six endless (or gzip-bomb) bodies must cost one
// budget, not six caps.
type bodyBudget struct {
	mu   sync.Mutex
	left int64
}

// take reserves n bytes; false when the budget has not that many left.
func (b *bodyBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.left {
		return false
	}
	b.left -= n
	return true
}

// release gives back n bytes (a body read and then dropped: a retried
// answer, a failed read).
func (b *bodyBudget) release(n int) {
	b.mu.Lock()
	b.left += int64(n)
	b.mu.Unlock()
}

// read reads a body of at most limit bytes, each chunk taken from the
// shared budget before it is kept; declared is the Content-Length (-1
// when unknown), which sizes the buffer once when it is honest.
func (b *bodyBudget) read(r io.Reader, declared, limit int64) ([]byte, error) {
	if declared > limit {
		return nil, fmt.Errorf("%w: it declares %d bytes, larger than %d", errBodyTooLarge, declared, limit)
	}
	size := int64(32 << 10)
	if declared > 0 {
		size = declared + 1
	}
	buf := make([]byte, 0, min(size, limit+1))
	taken := int64(0)
	fail := func(err error) ([]byte, error) {
		b.release(int(taken))
		return nil, err
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		if n > 0 {
			if int64(len(buf)+n) > limit {
				return fail(fmt.Errorf("%w: larger than %d bytes", errBodyTooLarge, limit))
			}
			if !b.take(int64(n)) {
				return fail(fmt.Errorf("%w: the responses together are larger than the memory convdiag gives them", errBodyTooLarge))
			}
			taken += int64(n)
			buf = buf[:len(buf)+n]
		}
		switch {
		case errors.Is(err, io.EOF):
			return buf, nil
		case err != nil:
			return fail(fmt.Errorf("read response body: %w", err))
		}
	}
}

// transient reports whether a failed attempt may succeed if tried again:
// a timeout or a dropped connection. A protocol error (an invalid header,
// a malformed response) is what the server sends, and will send again.
func transient(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return true
	}
	return false
}
