package report

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/convdiag/convdiag/diagnose"
)

// A fix keeps what the user sent (a number to dial, an attribute), and the
// report redacts it: a redaction label left in a fix's body would be sent
// as it is ("<phone-1>" dialled). Each label in a fix becomes a shell
// variable to set, named in the plan's variables, so the curl is still the
// request that works once the value is set.

// labelRe matches a redaction label: <phone-1>, <email-2>, <redacted>.
var labelRe = regexp.MustCompile(`<([a-z]+)-([0-9]+)>|<redacted>`)

// labelsToVars turns the redaction labels in the model's fix requests
// into shell variables (the same label, the same variable everywhere).
func labelsToVars(m *Model) {
	names := map[string]diagnose.Var{}
	secrets := 0
	varOf := func(label string) diagnose.Var {
		if v, ok := names[label]; ok {
			return v
		}
		var v diagnose.Var
		if label == Redacted {
			secrets++
			v = diagnose.Var{Name: "SECRET_" + strconv.Itoa(secrets), Set: "the secret the request sent (redacted in this report)"}
		} else {
			sm := labelRe.FindStringSubmatch(label)
			v = diagnose.Var{Name: strings.ToUpper(sm[1]) + "_" + sm[2], Set: "the " + kindWord(sm[1]) + " the request sent, " + label + " in this report (--show-secrets prints it)"}
		}
		names[label] = v
		return v
	}
	fix := func(r *Request) {
		if r == nil || !labelRe.MatchString(r.URL) && !labelRe.Match(r.Body) {
			return
		}
		sub := func(s string) string {
			return labelRe.ReplaceAllStringFunc(s, func(l string) string {
				v := varOf(l)
				if !hasVar(r.Vars, v.Name) {
					r.Vars = append(r.Vars, v)
				}
				return "$" + v.Name
			})
		}
		base := ""
		if !strings.HasPrefix(r.URL, "$GENESYSCLOUD_API_BASE") {
			base = strings.TrimSuffix(r.URL, r.Path)
		}
		r.Path, r.Body = sub(r.Path), []byte(sub(string(r.Body)))
		r.URL = sub(r.URL)
		fr := diagnose.FixRequest{Method: r.Method, BaseURL: base, Path: r.Path, Body: r.Body, Vars: r.Vars}
		r.Curl = fr.Curl()
	}
	plan := func(p *Plan) {
		if p == nil {
			return
		}
		for i := range p.Steps {
			r := p.Steps[i].Request
			fix(r)
			if r == nil {
				continue
			}
			for _, v := range r.Vars {
				if !hasVariable(p.Variables, v.Name) {
					p.Variables = append(p.Variables, Variable{Name: v.Name, Meaning: v.Set})
				}
			}
		}
	}
	requests := func(f func(*Request)) {
		if c := m.Corrected; c != nil {
			f(c)
			for _, b := range c.Before {
				f(b)
			}
		}
		for i := range m.Causes {
			if fx := m.Causes[i].Fix; fx != nil {
				f(fx.Request)
				for _, b := range fx.Before {
					f(b)
				}
				if fx.Request != nil {
					fx.Curl = fx.Request.Curl
				}
			}
		}
	}
	requests(fix)
	plan(m.Plan)
	for i := range m.Causes {
		if fx := m.Causes[i].Fix; fx != nil {
			plan(fx.Plan)
		}
	}
}

func kindWord(kind string) string {
	switch kind {
	case "phone":
		return "phone number"
	case "email":
		return "e-mail address"
	}
	return kind
}

func hasVar(vs []diagnose.Var, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return true
		}
	}
	return false
}

func hasVariable(vs []Variable, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return true
		}
	}
	return false
}
