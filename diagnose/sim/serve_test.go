package sim

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// TestSlowReadersShareOneCopy: readers that never read a large
// conversation hold the one copy the org serves, not one each (40 such
// readers of a 50 MB conversation took 2.2 GB).
func TestSlowReadersShareOneCopy(t *testing.T) {
	conv := &genesys.Conversation{ID: "big"}
	pad := strings.Repeat("n", 1000)
	for i := 0; i < 8000; i++ {
		conv.Participants = append(conv.Participants, genesys.Participant{ID: fmt.Sprintf("p-%d", i), Name: pad, Purpose: "customer"})
	}
	org := NewOrg(nil, &genesys.Decoded{Conversation: conv})
	size := len(mustJSON(conv))
	var entered atomic.Int32
	h := New(org, Options{AccessTokens: []string{"tok"}})
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { entered.Add(1); h.ServeHTTP(w, r) })
	run, err := Start(context.Background(), "127.0.0.1:0", counted)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	heap := func() int {
		runtime.GC()
		runtime.GC() // the second clears the encoders' pools
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int(ms.HeapAlloc)
	}
	before := heap()
	const readers = 20
	var conns []net.Conn
	for i := 0; i < readers; i++ {
		c, err := net.Dial("tcp", strings.TrimPrefix(run.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		fmt.Fprintf(c, "GET /api/v2/conversations/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n\r\n")
		conns = append(conns, c)
	}
	for deadline := time.Now().Add(10 * time.Second); entered.Load() < readers && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the handlers marshal, then block writing
	held := heap() - before
	if held > 6*size {
		t.Errorf("%d readers of a %d MB conversation hold %d MB", readers, size>>20, held>>20)
	}
	t.Logf("document %d MB, %d MB more heap with %d readers not reading", size>>20, held>>20, len(conns))
}

// TestStartSaysWhereItListens: an address of every interface is not
// loopback, and says so; the URL stays one this machine can reach.
func TestStartSaysWhereItListens(t *testing.T) {
	for _, tc := range []struct {
		addr          string
		loopback, all bool
	}{{"127.0.0.1:0", true, false}, {"0.0.0.0:0", false, true}} {
		run, err := Start(context.Background(), tc.addr, http.NotFoundHandler())
		if err != nil {
			t.Fatal(err)
		}
		if run.Loopback != tc.loopback || run.AllInterfaces != tc.all || !strings.HasPrefix(run.URL, "http://127.0.0.1:") || run.Addr == "" {
			t.Errorf("%s: %+v", tc.addr, run)
		}
		run.Close()
	}
}
