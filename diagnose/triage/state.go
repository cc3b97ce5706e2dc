package triage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/convdiag/convdiag/diagnose/input"
)

// stateHeader is the first line of a state file.
const stateHeader = `{"convdiag_triage_state":"1"}`

// State is a --resume file: the tickets a run has diagnosed, one JSON line
// each, written as each is done, so that a run that was interrupted (or
// crashed) continues where it stopped without reading those tickets, or
// their conversations, again.
type State struct {
	path string
	f    *os.File
	w    *bufio.Writer
	done map[string]Ticket
}

// OpenState reads the state file at path (a missing one is created) and
// opens it to record more. A torn last line (a write cut short) is
// ignored and overwritten by what comes next.
func OpenState(path string) (*State, error) {
	s := &State{path: path, done: map[string]Ticket{}}
	keep, err := s.read()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the state file: %w", err)
	}
	if err := f.Truncate(keep); err != nil {
		f.Close()
		return nil, fmt.Errorf("open the state file: %w", err)
	}
	if _, err := f.Seek(keep, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("open the state file: %w", err)
	}
	s.f, s.w = f, bufio.NewWriter(f)
	if keep == 0 {
		if _, err := s.w.WriteString(stateHeader + "\n"); err != nil {
			return nil, err
		}
	}
	return s, s.w.Flush()
}

// read loads an existing state and returns how many of its bytes hold
// whole records.
func (s *State) read() (int64, error) {
	b, err := input.ReadFileLimited(s.path, 1<<34)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	case err != nil:
		return 0, err
	case len(b) == 0:
		return 0, nil
	}
	first, rest, _ := bytes.Cut(b, []byte("\n"))
	if string(bytes.TrimSpace(first)) != stateHeader {
		return 0, errors.New("is not a convdiag triage state file (it would be overwritten): name another file")
	}
	keep := int64(len(first) + 1)
	for len(rest) > 0 {
		line, after, whole := bytes.Cut(rest, []byte("\n"))
		if !whole {
			break // torn
		}
		var t Ticket
		if err := json.Unmarshal(line, &t); err != nil || t.Source == "" {
			break
		}
		s.done[t.Source] = t
		keep += int64(len(line) + 1)
		rest = after
	}
	return keep, nil
}

// Done returns the tickets already diagnosed, by source.
func (s *State) Done() map[string]Ticket { return s.done }

// Record appends a ticket and flushes it to the file.
func (s *State) Record(t Ticket) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if _, err := s.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write the state file: %w", err)
	}
	return s.w.Flush()
}

// Close closes the file.
func (s *State) Close() error {
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
