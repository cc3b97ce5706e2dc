package input

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Limits on what the parsers accept. The shell parser and the JSON decoder
// recurse (or keep a frame) per level of nesting: a pasted command or a HAR
// nested a quarter of a million levels deep would take gigabytes or the
// whole stack. Nothing a person pastes comes near these.
const (
	// MaxShellNesting is the deepest nesting of (, $(, $((, ${ and { a
	// pasted curl may have.
	MaxShellNesting = 64
	// MaxJSONNesting is the deepest nesting of objects and arrays read
	// from a HAR (encoding/json refuses documents deeper than 10,000).
	MaxJSONNesting = 1000
	// maxWarningsPerKind is how many warnings of one kind are listed by
	// name before the rest are counted.
	maxWarningsPerKind = 5
)

// checkShellNesting refuses a command nested deeper than MaxShellNesting,
// before the shell parser sees it. It follows quoting as the shell does:
// nothing nests inside single quotes; inside double quotes only $( and ${
// open a level; a backslash escapes the next byte.
func checkShellNesting(text string) error {
	// stack holds what closes each open level: ')' or '}'; a '"' frame
	// is a double-quoted string (not counted as a level).
	var stack []byte
	levels := 0
	push := func(closer byte) error {
		stack = append(stack, closer)
		if closer != '"' {
			levels++
		}
		if levels > MaxShellNesting {
			return fmt.Errorf("the command nests (, $(, ${ or { more than %d levels deep: no curl command does; convdiag refuses to read it", MaxShellNesting)
		}
		return nil
	}
	pop := func(closer byte) {
		if n := len(stack); n > 0 && stack[n-1] == closer {
			stack = stack[:n-1]
			if closer != '"' {
				levels--
			}
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		inDouble := len(stack) > 0 && stack[len(stack)-1] == '"'
		var err error
		switch {
		case c == '\\':
			i++
		case c == '$' && i+1 < len(text) && (text[i+1] == '(' || text[i+1] == '{'):
			closer := byte(')')
			if text[i+1] == '{' {
				closer = '}'
			}
			i++
			err = push(closer)
		case c == '"' && inDouble:
			pop('"')
		case c == '"':
			err = push('"')
		case inDouble:
		case c == '\'':
			if j := strings.IndexByte(text[i+1:], '\''); j >= 0 {
				i += j + 1
			} else {
				i = len(text)
			}
		case c == '(':
			err = push(')')
		case c == '{' && i+1 < len(text) && (text[i+1] == ' ' || text[i+1] == '\t' || text[i+1] == '\n'):
			err = push('}')
		case c == ')' || c == '}':
			pop(c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// warnings collects a parser's remarks by kind (the format they were
// written with): a kind with a few remarks lists them; one with more is one
// line, its first remark and a count of the rest. 10,000 unknown words are
// one note with a count, not 10,000 lines.
type warnings struct {
	order []string
	kinds map[string]*warningKind
}

type warningKind struct {
	msgs  []string
	count int
}

func (w *warnings) add(format string, args ...any) {
	if w.kinds == nil {
		w.kinds = map[string]*warningKind{}
	}
	k := w.kinds[format]
	if k == nil {
		k = &warningKind{}
		w.kinds[format] = k
		w.order = append(w.order, format)
	}
	k.count++
	if len(k.msgs) <= maxWarningsPerKind {
		k.msgs = append(k.msgs, fmt.Sprintf(format, args...))
	}
}

// list is the warnings, kinds in the order they first came.
func (w *warnings) list() []string {
	var out []string
	for _, f := range w.order {
		k := w.kinds[f]
		if k.count <= maxWarningsPerKind {
			out = append(out, k.msgs...)
			continue
		}
		out = append(out, fmt.Sprintf("%s (and %d more like it)", k.msgs[0], k.count-1))
	}
	return out
}

// stopWith makes reading r fail once ctx is done, so that streaming a
// large file ends within a moment of an interrupt (each read is a few
// kilobytes). A nil ctx never stops it.
func stopWith(ctx context.Context, r io.ReadSeeker) io.ReadSeeker {
	if ctx == nil {
		return r
	}
	return ctxReader{ctx, r}
}

type ctxReader struct {
	ctx context.Context
	r   io.ReadSeeker
}

func (c ctxReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, &readStop{"was not read to its end: interrupted"}
	}
	return c.r.Read(p)
}

func (c ctxReader) Seek(off int64, whence int) (int64, error) { return c.r.Seek(off, whence) }

// readStop is a read that convdiag itself stopped (an interrupt, a cap),
// said as it is rather than as a JSON error.
type readStop struct{ msg string }

func (e *readStop) Error() string { return e.msg }
