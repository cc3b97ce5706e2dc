package genesys

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// endless is a body that never ends, read in the small pieces a network
// connection gives.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	n := min(len(p), 16<<10)
	for i := range p[:n] {
		p[i] = 'A'
	}
	return n, nil
}

// allocated runs f and returns the bytes the heap allocated meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestEndlessBodiesAllocateOnlyTheBudget: seven endless bodies read at
// once allocate no more memory than the budget they share (and a little
// for the goroutines and errors), all of it while reading: the memory of
// a body over a cap is not given back for the others to allocate again.
func TestEndlessBodiesAllocateOnlyTheBudget(t *testing.T) {
	const perRead, total = 16 << 20, 24 << 20
	b := &bodyBudget{left: total}
	errs := make([]error, 7)
	got := allocated(func() {
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = b.read(endless{}, -1, perRead)
			}()
		}
		wg.Wait()
	})
	for i, err := range errs {
		if !errors.Is(err, errBodyTooLarge) {
			t.Errorf("read %d: %v", i, err)
		}
	}
	if got > total+1<<20 {
		t.Errorf("seven endless bodies allocated %d MiB; the budget is %d MiB", got>>20, total>>20)
	}
	if b.left != 0 {
		t.Errorf("%d bytes of the failed bodies' memory went back to the budget", b.left)
	}
}

// TestOneEndlessBodyAllocatesItsCap: one endless body allocates about its
// per-read cap (its last chunk may be partly filled), not twice it.
func TestOneEndlessBodyAllocatesItsCap(t *testing.T) {
	const perRead = 16 << 20
	b := &bodyBudget{left: 1 << 30}
	var err error
	got := allocated(func() { _, err = b.read(endless{}, -1, perRead) })
	if !errors.Is(err, errBodyTooLarge) {
		t.Fatal(err)
	}
	if got > perRead+1<<20 {
		t.Errorf("one endless body allocated %d MiB; its cap is %d MiB", got>>20, perRead>>20)
	}
}

// TestBodyReadsWhole: bodies of every size around the chunk boundaries
// come back whole, with their exact bytes, and a small body keeps no
// large chunk charged.
func TestBodyReadsWhole(t *testing.T) {
	for _, n := range []int{0, 1, 100, firstChunk - 1, firstChunk, firstChunk + 1, 3 * firstChunk, maxChunk + 12345} {
		for _, declared := range []int64{-1, int64(n)} {
			b := &bodyBudget{left: 64 << 20}
			body, err := b.read(io.LimitReader(endless{}, int64(n)), declared, 32<<20)
			if err != nil || len(body) != n || strings.Count(string(body), "A") != n {
				t.Fatalf("%d bytes (declared %d): %d bytes back, %v", n, declared, len(body), err)
			}
			if used := 64<<20 - b.left; used != int64(cap(body)) || cap(body) > 2*n+1 {
				t.Errorf("%d bytes (declared %d): %d bytes charged, capacity %d", n, declared, used, cap(body))
			}
			b.drop(body)
			if b.left != 64<<20 {
				t.Errorf("%d bytes (declared %d): %d bytes left after the body was dropped", n, declared, b.left)
			}
		}
	}
}

// brokenAfter is a body cut off by the network after n bytes.
type brokenAfter struct{ n int }

func (r *brokenAfter) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// TestCutBodyGivesItsMemoryBack: a body cut off by the network is an
// error (it is read again), not a short body, and its memory goes back.
func TestCutBodyGivesItsMemoryBack(t *testing.T) {
	b := &bodyBudget{left: 8 << 20}
	_, err := b.read(&brokenAfter{n: 100 << 10}, -1, 4<<20)
	if !errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errBodyTooLarge) {
		t.Errorf("a cut body: %v", err)
	}
	if b.left != 8<<20 {
		t.Errorf("%d of %d bytes left", b.left, 8<<20)
	}
}
