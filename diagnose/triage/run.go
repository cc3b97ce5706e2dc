package triage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/convdiag/convdiag/diagnose/collect"
	"github.com/convdiag/convdiag/diagnose/input"
)

// Options are what a run reads and how.
type Options struct {
	// Paths are the files and folders named on the command line.
	Paths []string
	// Jobs is the number of tickets diagnosed at once (at least 1).
	Jobs int
	// Diagnose is the engine every ticket goes through: the same as
	// `convdiag check`'s.
	Diagnose func(*diagnose.Evidence) *diagnose.Report
	// LoadBundle reads a replay bundle (as `check --bundle` does);
	// BundleMarker is the file that makes a folder a bundle.
	LoadBundle   func(dir string) (*diagnose.Evidence, error)
	BundleMarker string
	// Session, when set, makes the run live: each log ticket's
	// conversation is read from the org, once for all its tickets.
	Session *collect.Session
	// Done holds the tickets of an earlier, interrupted run (--resume),
	// by source: they are not read or diagnosed again.
	Done map[string]Ticket
	// Record receives each ticket diagnosed by this run as it is done (in
	// completion order, from one goroutine): a --resume state keeps it.
	Record func(Ticket)
	// Progress receives the counts after each ticket (from one goroutine).
	Progress func(Progress)
}

// Progress is how far a run is.
type Progress struct {
	// Done counts the tickets and errors settled, Total those known to
	// come (it grows while HARs are read).
	Done, Total int
	// Conversations counts the conversations read live so far, of
	// ConversationsTotal.
	Conversations, ConversationsTotal int
}

// MaxLine is the longest log line read (a body is at most input.MaxBody).
const MaxLine = 2*input.MaxBody + 64<<10

// item is one ticket or error, numbered in input order.
type item struct {
	seq    int
	source string
	// load builds the ticket's evidence; live marks a ticket whose
	// conversation is read from the org (conv).
	load func() (*diagnose.Evidence, error)
	conv string
	live bool

	ticket  *Ticket
	err     string
	resumed bool
	skipped bool
}

// Run triages the inputs. It stops early when ctx ends, and the result
// then holds what was triaged (Interrupted).
func Run(ctx context.Context, o Options) *Result {
	jobs := max(o.Jobs, 1)
	res := &Result{Mode: diagnose.ModeOffline}
	if o.Session != nil {
		res.Mode = diagnose.ModeLive
	}
	plan := scan(o)
	convs := newConvCache(o.Session, plan.refs)

	window := make(chan struct{}, jobs*64)
	work := make(chan *item, jobs)
	done := make(chan *item, jobs)
	go produce(ctx, o, plan, window, work)
	workers := jobs
	if o.Session != nil {
		workers = max(jobs, liveWorkers) // live reads wait on the network
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				diagnoseItem(ctx, o, convs, it)
				done <- it
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	collectItems(o, res, plan, convs, window, done)
	res.Interrupted = ctx.Err() != nil
	res.Conversations = convs.read()
	summarize(res)
	return res
}

// liveWorkers is how many tickets a live run works on at once: enough
// conversations in flight to keep up with the org's rate limit.
const liveWorkers = 16

// collectItems receives the settled items and keeps them in input order,
// releasing a window slot as each is placed; what an interruption leaves
// out of order is placed by number at the end.
func collectItems(o Options, res *Result, plan *plan, convs *convCache, window chan struct{}, done chan *item) {
	pending := map[int]*item{}
	next, settled := 0, 0
	place := func(it *item) {
		switch {
		case it.skipped:
		case it.ticket != nil:
			res.Tickets = append(res.Tickets, *it.ticket)
			if it.resumed {
				res.Resumed++
			}
		default:
			res.Errors = append(res.Errors, InputError{Source: it.source, Error: it.err})
		}
	}
	for it := range done {
		if it.ticket != nil && !it.resumed && o.Record != nil {
			o.Record(*it.ticket)
		}
		if !it.skipped {
			settled++
		}
		pending[it.seq] = it
		for p, ok := pending[next]; ok; p, ok = pending[next] {
			place(p)
			delete(pending, next)
			next++
			<-window
		}
		if o.Progress != nil {
			o.Progress(Progress{Done: settled, Total: max(plan.total(), settled), Conversations: convs.read(), ConversationsTotal: len(plan.refs)})
		}
	}
	rest := make([]int, 0, len(pending))
	for seq := range pending {
		rest = append(rest, seq)
	}
	sort.Ints(rest)
	for _, seq := range rest {
		place(pending[seq])
	}
}

// diagnoseItem settles one item: builds its evidence, reads its
// conversation (live), and diagnoses it. Once ctx has ended, what is not
// settled yet is skipped: an interrupted read is not an incomplete ticket.
func diagnoseItem(ctx context.Context, o Options, convs *convCache, it *item) {
	if it.ticket != nil || it.err != "" {
		return
	}
	if ctx.Err() != nil {
		it.skipped = true
		return
	}
	ev, err := it.load()
	if err != nil {
		it.err = err.Error()
		return
	}
	if it.live && it.conv != "" {
		cr := convs.get(ctx, it.conv)
		defer convs.release(it.conv)
		if ctx.Err() != nil {
			it.skipped = true
			return
		}
		o.Session.Fill(ev, cr)
	}
	t := ticketOf(it.source, o.Diagnose(ev))
	it.ticket = &t
}

// plan is what a first pass over the inputs found: the inputs and the
// errors of walking them, in order; how many tickets the logs and bundles
// hold; and, live, how many tickets need each conversation.
type plan struct {
	entries []planEntry
	mu      sync.Mutex
	known   int
	refs    map[string]int
}

type planEntry struct {
	in  source
	err *InputError
}

func (p *plan) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.known
}

func (p *plan) grow(n int) {
	p.mu.Lock()
	p.known += n
	p.mu.Unlock()
}

// scan walks the inputs and counts the tickets of the logs (live: which
// conversation each needs). A HAR's tickets are counted when it is read.
func scan(o Options) *plan {
	p := &plan{refs: map[string]int{}}
	walk(o.Paths, o.BundleMarker, func(in source) {
		p.entries = append(p.entries, planEntry{in: in})
		switch in.kind {
		case kindBundle:
			p.known++
		case kindLog:
			p.known += countLog(in.path, o, p.refs)
		}
	}, func(path string, err error) {
		p.entries = append(p.entries, planEntry{err: &InputError{Source: path, Error: err.Error()}})
	})
	return p
}

// countLog counts a log's lines; live, it also counts the tickets of
// each conversation not already triaged. An unreadable log counts none
// (reading it again says why).
func countLog(path string, o Options, refs map[string]int) int {
	n := 0
	_ = eachLine(path, func(line int, b []byte, tooLong bool) {
		n++
		if o.Session == nil || tooLong {
			return
		}
		if _, ok := o.Done[lineSource(path, line)]; ok {
			return
		}
		if rec, err := parseLogLine(b); err == nil {
			if id := rec.conversation(); id != "" {
				refs[id]++
			}
		}
	})
	return n
}

func lineSource(path string, line int) string { return path + ":" + strconv.Itoa(line) }

// eachLine calls f with each non-blank line of a log (numbered from 1); a
// line longer than MaxLine is passed as tooLong, without its bytes.
func eachLine(path string, f func(line int, b []byte, tooLong bool)) error {
	file, err := input.OpenRegular(path, 0)
	if err != nil {
		return err
	}
	defer file.Close()
	r := bufio.NewReaderSize(file, 64<<10)
	var buf []byte
	for line := 1; ; line++ {
		buf = buf[:0]
		tooLong := false
		for {
			chunk, err := r.ReadSlice('\n')
			if !tooLong {
				buf = append(buf, chunk...)
				if len(buf) > MaxLine {
					tooLong, buf = true, buf[:0]
				}
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("read: %w", err)
			}
			if errors.Is(err, io.EOF) && len(buf) == 0 && !tooLong {
				return nil
			}
			break
		}
		if tooLong || len(bytes.TrimSpace(buf)) > 0 {
			f(line, bytes.TrimSpace(buf), tooLong)
		}
		if r.Buffered() == 0 {
			if _, err := r.Peek(1); errors.Is(err, io.EOF) {
				return nil
			}
		}
	}
}

// produce numbers the items in input order and hands them to the workers,
// never more than the window ahead of the oldest unsettled one.
func produce(ctx context.Context, o Options, p *plan, window chan struct{}, work chan *item) {
	defer close(work)
	seq := 0
	send := func(it *item) bool {
		it.seq = seq
		if t, ok := o.Done[it.source]; ok && it.err == "" {
			t := t
			it.ticket, it.resumed = &t, true
		}
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		seq++
		select {
		case work <- it:
			return true
		case <-ctx.Done():
			<-window
			return false
		}
	}
	for _, e := range p.entries {
		if ctx.Err() != nil {
			return
		}
		if e.err != nil {
			if !send(&item{source: e.err.Source, err: e.err.Error}) {
				return
			}
			continue
		}
		if !produceInput(ctx, o, p, e.in, send) {
			return
		}
	}
}

// produceInput makes the items of one input; false when the run stops.
func produceInput(ctx context.Context, o Options, p *plan, in source, send func(*item) bool) bool {
	switch in.kind {
	case kindBundle:
		dir := in.path
		return send(&item{source: dir, load: func() (*diagnose.Evidence, error) { return o.LoadBundle(dir) }})
	case kindHAR:
		return produceHAR(o, p, in.path, send)
	}
	ok := true
	err := eachLine(in.path, func(line int, b []byte, tooLong bool) {
		if !ok || ctx.Err() != nil {
			ok = false
			return
		}
		src := lineSource(in.path, line)
		if tooLong {
			ok = send(&item{source: src, err: fmt.Sprintf("the line is longer than %d bytes; skipped", MaxLine)})
			return
		}
		it := &item{source: src}
		rec, err := parseLogLine(b)
		if err != nil {
			it.err = err.Error()
		} else {
			it.conv, it.live = rec.conversation(), o.Session != nil
			mode := diagnose.ModeOffline
			it.load = func() (*diagnose.Evidence, error) { return rec.evidence(mode) }
		}
		ok = send(it)
	})
	if err != nil && ok {
		return send(&item{source: in.path, err: plainError(err)})
	}
	return ok
}

// produceHAR reads a HAR once and makes an item of each failing request.
func produceHAR(o Options, p *plan, path string, send func(*item) bool) bool {
	tickets, err := input.LoadHARAll(input.Options{HAR: path, Mode: diagnose.ModeOffline})
	if err != nil {
		return send(&item{source: path, err: plainError(err)})
	}
	if len(tickets) == 0 {
		return send(&item{source: path, err: "holds no failing request to /api/v2/conversations"})
	}
	p.grow(len(tickets))
	for _, t := range tickets {
		it := &item{source: path + "#" + strconv.Itoa(t.Entry)}
		if t.Err != nil {
			it.err = plainError(t.Err)
		} else {
			ev := t.Evidence
			it.load = func() (*diagnose.Evidence, error) { return ev, nil }
		}
		if !send(it) {
			return false
		}
	}
	return true
}

// plainError is an input error without the flag it would have come with in
// `convdiag check` ("--har FILE: ..."), since the source names the file.
func plainError(err error) string {
	s := err.Error()
	if strings.HasPrefix(s, "--") {
		if _, rest, ok := strings.Cut(s, " "); ok {
			s = rest
		}
	}
	return s
}

// convCache reads each conversation once for all the tickets that need it
// and forgets it when the last of them is done (refs from the first pass),
// so that memory holds only the conversations in use.
type convCache struct {
	s     *collect.Session
	mu    sync.Mutex
	m     map[string]*convEntry
	refs  map[string]int
	count int
}

type convEntry struct {
	ready chan struct{}
	cr    *collect.ConversationRead
	refs  int
	spent bool
}

func newConvCache(s *collect.Session, refs map[string]int) *convCache {
	return &convCache{s: s, m: map[string]*convEntry{}, refs: refs}
}

// get returns the conversation's read, reading it if no ticket did yet.
func (c *convCache) get(ctx context.Context, id string) *collect.ConversationRead {
	c.mu.Lock()
	e, ok := c.m[id]
	if ok && e.spent {
		ok = false // its tickets were miscounted: read it again
	}
	if !ok {
		e = &convEntry{ready: make(chan struct{}), refs: c.refs[id]}
		c.m[id] = e
		c.count++
	}
	c.mu.Unlock()
	if !ok {
		e.cr = c.s.ReadConversation(ctx, id)
		close(e.ready)
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
	}
	return e.cr
}

// release says a ticket is done with the conversation.
func (c *convCache) release(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok {
		return
	}
	if e.refs--; e.refs <= 0 {
		// Its last ticket is done: drop what it read, and give its bodies'
		// share of the client's memory budget back.
		c.s.Done(e.cr)
		e.spent, e.cr = true, nil
	}
}

// read counts the conversations read (or being read).
func (c *convCache) read() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}
