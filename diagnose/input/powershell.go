package input

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// A small reader of the PowerShell a pasted request is written in:
// statements ($name = value, or a command with arguments), single- and
// double-quoted strings and here-strings, hashtables @{...}, arrays @(...),
// variables, `(... | ConvertTo-Json)`, backtick escapes and continuations,
// comments. It evaluates nothing: a variable not assigned in the paste, and
// a subexpression $(...), stay as written.

// psKind is the kind of a PowerShell value.
type psKind int

const (
	psString psKind = iota
	psHash
	psArray
	psNumber // also $true, $false, $null: written as JSON
	psUnknown
)

// psValue is a value read from the paste.
type psValue struct {
	kind  psKind
	s     string     // a string's value, a number's JSON
	keys  []string   // a hashtable's keys, in order
	vals  []*psValue // its values; an array's items
	raw   string     // as written (an unknown value)
	quote bool       // a quoted string (never a parameter name)
	splat bool       // @name: a hashtable's entries given as parameters
}

// text is a value as a string argument: a hashtable or array as
// PowerShell would print it is of no use, so their JSON is given.
func (v *psValue) text() string {
	switch v.kind {
	case psString, psNumber:
		return v.s
	case psUnknown:
		return v.raw
	}
	return v.json(false)
}

// json writes a value as ConvertTo-Json would (indented unless compact),
// keeping the hashtable's key order.
func (v *psValue) json(compact bool) string {
	var b strings.Builder
	v.writeJSON(&b, compact, "")
	return b.String()
}

func (v *psValue) writeJSON(b *strings.Builder, compact bool, indent string) {
	nl, in, colon := "\n", indent+"    ", ": "
	if compact {
		nl, in, colon = "", "", ":"
	}
	switch v.kind {
	case psNumber:
		b.WriteString(v.s)
	case psString, psUnknown:
		b.WriteString(strconv.Quote(v.text()))
	case psHash:
		b.WriteString("{" + nl)
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString("," + nl)
			}
			b.WriteString(in + strconv.Quote(k) + colon)
			v.vals[i].writeJSON(b, compact, in)
		}
		b.WriteString(nl + indent + "}")
	case psArray:
		b.WriteString("[" + nl)
		for i, e := range v.vals {
			if i > 0 {
				b.WriteString("," + nl)
			}
			b.WriteString(in)
			e.writeJSON(b, compact, in)
		}
		b.WriteString(nl + indent + "]")
	}
}

// formEncoded is a hashtable as the web cmdlets send it: key=value&...
func (v *psValue) formEncoded() string {
	parts := make([]string, len(v.keys))
	for i, k := range v.keys {
		parts[i] = url.QueryEscape(k) + "=" + url.QueryEscape(v.vals[i].text())
	}
	return strings.Join(parts, "&")
}

// psArg is one argument of a command: a parameter (-Name, with its value
// when written -Name:value) or a value.
type psArg struct {
	param bool
	name  string
	val   *psValue
}

// psCall is a command and its arguments.
type psCall struct {
	name string
	args []psArg
}

// strings are the arguments as a native program gets them.
func (c *psCall) strings() []string {
	out := make([]string, 0, len(c.args))
	for _, a := range c.args {
		switch {
		case a.param && a.val != nil:
			out = append(out, "-"+a.name+":"+a.val.text())
		case a.param:
			out = append(out, "-"+a.name)
		default:
			out = append(out, a.val.text())
		}
	}
	return out
}

// hasCmdletParams reports whether a `curl` call is PowerShell 5.1's
// alias of Invoke-WebRequest (its parameters are -Uri, -Method, ...)
// rather than the native curl.
func (c *psCall) hasCmdletParams() bool {
	for _, a := range c.args {
		if !a.param || len(a.name) < 2 {
			continue
		}
		switch strings.ToLower(a.name) {
		case "uri", "method", "headers", "body", "contenttype", "infile", "usebasicparsing":
			return true
		}
	}
	return false
}

// psParser reads statements from the paste.
type psParser struct {
	r     []rune
	i     int
	vars  map[string]*psValue
	depth int
}

// maxPSDepth bounds the nesting of hashtables, arrays and parentheses.
const maxPSDepth = 64

var errPSDepth = errors.New("values nested too deeply")

func (p *psParser) eof() bool { return p.i >= len(p.r) }

// progress steps over a character nothing could read (a stray comma, a
// lone backtick), so that no loop reads the same place twice.
func (p *psParser) progress(before int) {
	if p.i == before && !p.eof() {
		p.i++
	}
}

func (p *psParser) peek(k int) rune {
	if p.i+k < len(p.r) {
		return p.r[p.i+k]
	}
	return 0
}

// skipBlank skips blanks, backtick line continuations and comments, and
// line ends and semicolons too when newlines is set.
func (p *psParser) skipBlank(newlines bool) {
	for !p.eof() {
		c := p.r[p.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\u00a0':
			p.i++
		case c == '`' && (p.peek(1) == '\n' || p.peek(1) == '\r'):
			p.i++
			for !p.eof() && (p.r[p.i] == '\r' || p.r[p.i] == '\n') {
				p.i++
				if p.r[p.i-1] == '\n' {
					break
				}
			}
		case c == '#':
			for !p.eof() && p.r[p.i] != '\n' {
				p.i++
			}
		case newlines && (c == '\n' || c == ';'):
			p.i++
		default:
			return
		}
	}
}

// atStatementEnd reports whether the statement ends here: a line end, a
// semicolon, a pipe (what is piped to is not read), a closing bracket.
func (p *psParser) atStatementEnd() bool {
	if p.eof() {
		return true
	}
	switch p.r[p.i] {
	case '\n', ';', '|', ')', '}':
		return true
	}
	return false
}

// statement reads one statement: an assignment is kept in vars; a
// command is returned.
func (p *psParser) statement() (*psCall, error) {
	start := p.i
	if p.peek(0) == '$' {
		name := p.varName(p.i + 1)
		j := p.i + 1 + len([]rune(name))
		for j < len(p.r) && (p.r[j] == ' ' || p.r[j] == '\t') {
			j++
		}
		if name != "" && j < len(p.r) && p.r[j] == '=' && (j+1 >= len(p.r) || p.r[j+1] != '=') {
			p.i = j + 1
			p.skipBlank(false)
			if p.callFollows() {
				// $response = Invoke-RestMethod ...: the call is the
				// statement.
				return p.command(start)
			}
			v, err := p.expression()
			if err != nil {
				return nil, err
			}
			p.vars[strings.ToLower(name)] = v
			p.skipToStatementEnd()
			return nil, nil
		}
	}
	return p.command(start)
}

// callFollows reports whether a web call (curl, Invoke-RestMethod, ...)
// starts here.
func (p *psParser) callFollows() bool {
	at := p.i
	defer func() { p.i = at }()
	if p.peek(0) == '&' {
		p.i++
		p.skipBlank(false)
	}
	v, err := p.argument()
	return err == nil && v.kind == psString && (isCurlName(v.s) || psCmdlet(v.s) != "")
}

// command reads a command and its arguments.
func (p *psParser) command(start int) (*psCall, error) {
	if p.peek(0) == '&' {
		p.i++
		p.skipBlank(false)
	}
	call, err := p.call()
	if err != nil {
		return nil, err
	}
	p.skipToStatementEnd()
	if p.i == start {
		p.i++ // a stray character: never loop on it
	}
	return call, nil
}

// call reads a command name and its arguments, up to the statement's end
// or a pipe.
func (p *psParser) call() (*psCall, error) {
	name, err := p.argument()
	if err != nil {
		return nil, err
	}
	call := &psCall{name: name.text()}
	for {
		p.skipBlank(false)
		if p.atStatementEnd() {
			return call, nil
		}
		before := p.i
		a, err := p.commandArg()
		if err != nil {
			return nil, err
		}
		p.progress(before)
		call.args = append(call.args, a)
	}
}

// skipToStatementEnd skips a pipeline's rest and stray closers up to the
// next line end or semicolon, honouring quotes.
func (p *psParser) skipToStatementEnd() {
	for !p.eof() && p.r[p.i] != '\n' && p.r[p.i] != ';' {
		switch p.r[p.i] {
		case '\'', '"':
			if _, err := p.argument(); err != nil {
				p.i = len(p.r)
			}
		case '`':
			p.i += 2
		default:
			p.i++
		}
	}
}

// commandArg reads a parameter (-Name, -Name:value) or a value.
func (p *psParser) commandArg() (psArg, error) {
	if p.peek(0) == '-' && (unicode.IsLetter(p.peek(1)) || p.peek(1) == '_') {
		j := p.i + 1
		for j < len(p.r) && (unicode.IsLetter(p.r[j]) || unicode.IsDigit(p.r[j]) || p.r[j] == '_' || p.r[j] == '-') {
			j++
		}
		if j >= len(p.r) || strings.ContainsRune(" \t\r\n;|)}:", p.r[j]) {
			name := string(p.r[p.i+1 : j])
			p.i = j
			if p.peek(0) == ':' {
				p.i++
				v, err := p.argument()
				return psArg{param: true, name: name, val: v}, err
			}
			return psArg{param: true, name: name}, nil
		}
	}
	v, err := p.argument()
	return psArg{val: v}, err
}

// expression reads the value of an assignment, with a ConvertTo-Json
// pipeline: `@{...} | ConvertTo-Json -Compress`.
func (p *psParser) expression() (*psValue, error) {
	v, err := p.argument()
	if err != nil {
		return nil, err
	}
	p.skipBlank(false)
	for p.peek(0) == '|' {
		p.i++
		p.skipBlank(true)
		cmd, err := p.call()
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(cmd.name, "ConvertTo-Json") {
			return &psValue{kind: psUnknown, raw: "(... | " + cmd.name + ")"}, nil
		}
		compact := false
		for _, a := range cmd.args {
			compact = compact || a.param && len(a.name) >= 2 && strings.HasPrefix("compress", strings.ToLower(a.name))
		}
		v = &psValue{kind: psString, s: v.json(compact)}
	}
	return v, nil
}

// argument reads one value: a string, a here-string, a hashtable, an
// array, a variable, a parenthesized expression, or a bare word (pieces
// written side by side join into one argument).
func (p *psParser) argument() (*psValue, error) {
	if p.depth++; p.depth > maxPSDepth {
		return nil, errPSDepth
	}
	defer func() { p.depth-- }()
	switch {
	case p.peek(0) == '@' && p.peek(1) == '{':
		return p.hashtable()
	case p.peek(0) == '@' && p.peek(1) == '(':
		p.i++
		return p.array()
	case p.peek(0) == '@' && (p.peek(1) == '\'' || p.peek(1) == '"'):
		return p.hereString()
	case p.peek(0) == '(':
		return p.paren()
	case p.peek(0) == '@' && (unicode.IsLetter(p.peek(1)) || p.peek(1) == '_'):
		return p.splat()
	}
	var b strings.Builder
	quoted := false
	for !p.eof() {
		c := p.r[p.i]
		switch {
		case c == '\'':
			s, err := p.singleQuoted()
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
			quoted = true
		case c == '"':
			s, err := p.doubleQuoted()
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
			quoted = true
		case c == '$' && b.Len() == 0 && !quoted && p.bareVariableEnds():
			return p.variable()
		case c == '$':
			b.WriteString(p.expandVariable())
		case c == '`' && p.i+1 < len(p.r) && p.r[p.i+1] != '\n' && p.r[p.i+1] != '\r':
			b.WriteRune(p.r[p.i+1])
			p.i += 2
		case strings.ContainsRune(" \t\r\n;|)},", c) || c == '`':
			return p.word(b.String(), quoted), nil
		default:
			b.WriteRune(c)
			p.i++
		}
	}
	return p.word(b.String(), quoted), nil
}

// word is a bare word as a value: a number stays one in JSON; the rest
// are strings.
func (p *psParser) word(s string, quoted bool) *psValue {
	if !quoted {
		if _, err := strconv.ParseFloat(s, 64); err == nil && s != "" {
			return &psValue{kind: psNumber, s: s}
		}
	}
	return &psValue{kind: psString, s: s, quote: quoted}
}

// splat reads @name: a hashtable assigned in the paste, given as
// parameters; else unknown.
func (p *psParser) splat() (*psValue, error) {
	name := p.varName(p.i + 1)
	p.i += 1 + len([]rune(name))
	if v, ok := p.vars[strings.ToLower(name)]; ok && v.kind == psHash {
		s := *v
		s.splat = true
		return &s, nil
	}
	return &psValue{kind: psUnknown, raw: "@" + name, splat: true}, nil
}

// bareVariableEnds reports whether a $ starts a variable that is the
// whole argument ($body, not "$base/x" or $base/x).
func (p *psParser) bareVariableEnds() bool {
	name, width := p.variableAt(p.i)
	if name == "" {
		return false
	}
	j := p.i + width
	return j >= len(p.r) || strings.ContainsRune(" \t\r\n;|)},", p.r[j])
}

// variableAt reads the variable whose $ is at i: its name and how many
// runes it takes ($x: 2, ${x}: 4).
func (p *psParser) variableAt(i int) (name string, width int) {
	name = p.varName(i + 1)
	width = 1 + len([]rune(name))
	if i+1 < len(p.r) && p.r[i+1] == '{' {
		width += 2
	}
	return name, width
}

// varName is the variable name starting at j ($env:TOKEN's "env:TOKEN",
// ${x}'s "x"), or "".
func (p *psParser) varName(j int) string {
	if j < len(p.r) && p.r[j] == '{' {
		k := j + 1
		for k < len(p.r) && p.r[k] != '}' {
			k++
		}
		if k < len(p.r) {
			return string(p.r[j+1 : k])
		}
		return ""
	}
	k := j
	for k < len(p.r) && (unicode.IsLetter(p.r[k]) || unicode.IsDigit(p.r[k]) || p.r[k] == '_' || p.r[k] == ':' && k+1 < len(p.r) && unicode.IsLetter(p.r[k+1])) {
		k++
	}
	return string(p.r[j:k])
}

// variable reads a variable as a whole value: its value when assigned in
// the paste, a JSON constant, else unknown (as written).
func (p *psParser) variable() (*psValue, error) {
	name, width := p.variableAt(p.i)
	written := string(p.r[p.i : p.i+width])
	p.i += width
	switch strings.ToLower(name) {
	case "true", "false", "null":
		return &psValue{kind: psNumber, s: strings.ToLower(name), raw: written}, nil
	}
	if v, ok := p.vars[strings.ToLower(name)]; ok {
		return v, nil
	}
	return &psValue{kind: psUnknown, raw: written}, nil
}

// expandVariable is a $ inside a word or a double-quoted string: an
// assigned string's value, else the variable as written; a subexpression
// $(...) stays as written.
func (p *psParser) expandVariable() string {
	start := p.i
	if p.peek(1) == '(' {
		p.i++
		for depth := 0; !p.eof(); {
			switch p.r[p.i] {
			case '(':
				depth++
			case ')':
				depth--
			}
			p.i++
			if depth == 0 {
				break
			}
		}
		return string(p.r[start:p.i])
	}
	name, width := p.variableAt(p.i)
	if name == "" {
		p.i++
		return "$"
	}
	p.i += width
	if v, ok := p.vars[strings.ToLower(name)]; ok && v.kind == psString {
		return v.s
	}
	return string(p.r[start:p.i])
}

// singleQuoted reads '...': literal, ” for a quote.
func (p *psParser) singleQuoted() (string, error) {
	var b strings.Builder
	p.i++
	for !p.eof() {
		c := p.r[p.i]
		p.i++
		if isSingleQuote(c) {
			if !p.eof() && isSingleQuote(p.r[p.i]) {
				b.WriteRune('\'')
				p.i++
				continue
			}
			return b.String(), nil
		}
		b.WriteRune(c)
	}
	return "", errors.New("a single-quoted string is not closed")
}

func isSingleQuote(c rune) bool { return c == '\'' || c == '‘' || c == '’' }

// doubleQuoted reads "...": backtick escapes, "" for a quote, variables
// expanded when assigned in the paste.
func (p *psParser) doubleQuoted() (string, error) {
	var b strings.Builder
	p.i++
	for !p.eof() {
		c := p.r[p.i]
		switch {
		case c == '"':
			if p.peek(1) == '"' {
				b.WriteRune('"')
				p.i += 2
				continue
			}
			p.i++
			return b.String(), nil
		case c == '`' && p.i+1 < len(p.r):
			b.WriteString(backtickEscape(p.r[p.i+1]))
			p.i += 2
		case c == '$':
			b.WriteString(p.expandVariable())
		default:
			b.WriteRune(c)
			p.i++
		}
	}
	return "", errors.New("a double-quoted string is not closed")
}

// backtickEscape is what `c means in a double-quoted string.
func backtickEscape(c rune) string {
	switch c {
	case 'n':
		return "\n"
	case 'r':
		return "\r"
	case 't':
		return "\t"
	case '0':
		return "\x00"
	case 'e':
		return "\x1b"
	}
	return string(c)
}

// hereString reads @'...'@ (literal) or @"..."@ (expanded): the text
// between the line after the opener and the line that starts with the
// closer.
func (p *psParser) hereString() (*psValue, error) {
	q := p.r[p.i+1]
	p.i += 2
	for !p.eof() && p.r[p.i] != '\n' {
		p.i++
	}
	p.i++
	start := p.i
	for j := start; j < len(p.r); j++ {
		if p.r[j] == q && j+1 < len(p.r) && p.r[j+1] == '@' && (j == start || p.r[j-1] == '\n') {
			body := strings.TrimSuffix(strings.TrimSuffix(string(p.r[start:j]), "\n"), "\r")
			p.i = j + 2
			if q == '"' {
				sub := &psParser{r: []rune(body), vars: p.vars}
				var b strings.Builder
				for !sub.eof() {
					if sub.r[sub.i] == '$' {
						b.WriteString(sub.expandVariable())
						continue
					}
					b.WriteRune(sub.r[sub.i])
					sub.i++
				}
				body = b.String()
			}
			return &psValue{kind: psString, s: body, quote: true}, nil
		}
	}
	return nil, errors.New("a here-string is not closed ('@ or \"@ at the start of a line)")
}

// hashtable reads @{ key = value; ... } (entries also end at line ends).
func (p *psParser) hashtable() (*psValue, error) {
	p.i += 2
	v := &psValue{kind: psHash}
	for {
		p.skipBlank(true)
		if p.eof() {
			return nil, errors.New("a hashtable @{ is not closed")
		}
		if p.r[p.i] == '}' {
			p.i++
			return v, nil
		}
		key, err := p.hashKey()
		if err != nil {
			return nil, err
		}
		p.skipBlank(false)
		if p.peek(0) != '=' {
			return nil, fmt.Errorf("hashtable key %q has no = value", clip(key, 30))
		}
		p.i++
		p.skipBlank(false)
		val, err := p.expression()
		if err != nil {
			return nil, err
		}
		v.keys, v.vals = append(v.keys, key), append(v.vals, val)
	}
}

// hashKey reads a hashtable key: a quoted string or a bare name.
func (p *psParser) hashKey() (string, error) {
	switch p.peek(0) {
	case '\'':
		return p.singleQuoted()
	case '"':
		return p.doubleQuoted()
	}
	start := p.i
	for !p.eof() && !strings.ContainsRune(" \t\r\n=;}", p.r[p.i]) {
		p.i++
	}
	if p.i == start {
		return "", fmt.Errorf("a hashtable has no key before %q", string(p.r[p.i]))
	}
	return string(p.r[start:p.i]), nil
}

// array reads ( item, item ) after the @.
func (p *psParser) array() (*psValue, error) {
	p.i++
	v := &psValue{kind: psArray}
	for {
		p.skipBlank(true)
		if p.eof() {
			return nil, errors.New("an array @( is not closed")
		}
		switch p.r[p.i] {
		case ')':
			p.i++
			return v, nil
		case ',':
			p.i++
			continue
		}
		before := p.i
		item, err := p.expression()
		if err != nil {
			return nil, err
		}
		p.progress(before)
		v.vals = append(v.vals, item)
	}
}

// paren reads ( expression ), a ConvertTo-Json pipeline most often.
func (p *psParser) paren() (*psValue, error) {
	p.i++
	p.skipBlank(true)
	v, err := p.expression()
	if err != nil {
		return nil, err
	}
	p.skipBlank(true)
	if p.peek(0) != ')' {
		return nil, errors.New("a ( is not closed")
	}
	p.i++
	return v, nil
}
