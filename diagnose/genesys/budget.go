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
// budget, not six caps. It counts memory, not bytes read: every buffer a
// read allocates is taken from it before it is allocated.
type bodyBudget struct {
	mu   sync.Mutex
	left int64
}

// takeUpTo reserves at most n bytes and says how many it reserved (0
// when the budget is spent).
func (b *bodyBudget) takeUpTo(n int64) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	n = max(min(n, b.left), 0)
	b.left -= n
	return n
}

// release gives back n bytes (a body read and then dropped: a retried
// answer, a body its caller is done with).
func (b *bodyBudget) release(n int64) {
	b.mu.Lock()
	b.left += n
	b.mu.Unlock()
}

// drop gives back the memory of a body read through the budget.
func (b *bodyBudget) drop(body []byte) { b.release(int64(cap(body))) }

// Chunk sizes: the first read of a body of unknown length, and the
// largest chunk (the waste of a body's last, partly filled chunk).
const (
	firstChunk = 32 << 10
	maxChunk   = 4 << 20
)

// read reads a body of at most limit bytes; declared is the Content-Length
// (-1 when unknown), which sizes the first chunk when it is honest.
//
// The body is read into chunks, each taken from the budget before it is
// allocated and never copied while the body lasts: growing one slice by
// doubling would leave each old copy behind for the garbage collector,
// and several endless bodies read at once would then cost several times
// the budget. Only a body that ended is joined into one slice (for a
// moment it then takes twice its size). A body over a cap keeps its
// chunks charged: they are garbage the collector has not taken yet, and
// if their memory went back to the budget the other reads still under way
// would allocate it again. A body cut off by the network gives it back
// (it is read again).
func (b *bodyBudget) read(r io.Reader, declared, limit int64) ([]byte, error) {
	if declared > limit {
		return nil, fmt.Errorf("%w: it declares %d bytes, larger than %d", errBodyTooLarge, declared, limit)
	}
	size := int64(firstChunk)
	if declared >= 0 {
		size = declared + 1 // room to see the end
	}
	var chunks [][]byte
	total, charged := int64(0), int64(0)
	for {
		n := b.takeUpTo(min(size, limit+1-total))
		if n == 0 {
			return nil, fmt.Errorf("%w: the responses together are larger than the memory convdiag gives them", errBodyTooLarge)
		}
		charged += n
		chunk := make([]byte, n)
		got, err := fill(r, chunk)
		total += int64(got)
		chunks = append(chunks, chunk[:got])
		switch {
		case total > limit:
			return nil, fmt.Errorf("%w: larger than %d bytes", errBodyTooLarge, limit)
		case errors.Is(err, io.EOF):
			return b.join(chunks, total, charged), nil
		case err != nil:
			b.release(charged)
			return nil, fmt.Errorf("read response body: %w", err)
		}
		size = min(2*size, maxChunk)
	}
}

// fill reads until buf is full or the reader fails (io.EOF at the end).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// join is the body that ended as one slice: its one chunk when that is at
// least half full, else a copy of exactly its bytes. What the budget keeps
// charged is the slice's capacity.
func (b *bodyBudget) join(chunks [][]byte, total, charged int64) []byte {
	if len(chunks) == 1 && 2*total >= charged {
		return chunks[0]
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	b.release(charged - total)
	return out
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
