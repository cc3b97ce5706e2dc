package genesys

import (
	"github.com/convdiag/convdiag/diagnose/suggest"

	"fmt"
	"net/url"
	"strings"
)

// Region is one Genesys Cloud region: its AWS-style key and its domain. The
// API lives at https://api.<Domain> and the token endpoint at
// https://login.<Domain>/oauth/token.
type Region struct {
	Key      string
	Label    string
	Domain   string
	Internal bool // Genesys-internal environments (dca, tca)
}

// Regions is the region table of the reference (§5), in its order, and
// the regions the official SDK knows beyond it (sdkRegionHosts).
var Regions = []Region{
	{Key: "us-east-1", Label: "US East (Virginia)", Domain: "mypurecloud.com"},
	{Key: "us-east-2", Label: "US East 2 (FedRAMP)", Domain: "use2.us-gov-pure.cloud"},
	{Key: "us-west-2", Label: "US West (Oregon)", Domain: "usw2.pure.cloud"},
	{Key: "ca-central-1", Label: "Canada", Domain: "cac1.pure.cloud"},
	{Key: "sa-east-1", Label: "São Paulo", Domain: "sae1.pure.cloud"},
	{Key: "mx-central-1", Label: "Mexico", Domain: "mxc1.pure.cloud"},
	{Key: "eu-west-1", Label: "Dublin", Domain: "mypurecloud.ie"},
	{Key: "eu-west-2", Label: "London", Domain: "euw2.pure.cloud"},
	{Key: "eu-central-1", Label: "Frankfurt", Domain: "mypurecloud.de"},
	{Key: "eu-central-2", Label: "Zurich", Domain: "euc2.pure.cloud"},
	{Key: "me-central-1", Label: "UAE", Domain: "mec1.pure.cloud"},
	{Key: "ap-south-1", Label: "Mumbai", Domain: "aps1.pure.cloud"},
	{Key: "ap-northeast-1", Label: "Tokyo", Domain: "mypurecloud.jp"},
	{Key: "ap-northeast-2", Label: "Seoul", Domain: "apne2.pure.cloud"},
	{Key: "ap-northeast-3", Label: "Osaka", Domain: "apne3.pure.cloud"},
	{Key: "ap-southeast-1", Label: "Singapore/Jakarta (label UNCONFIRMED)", Domain: "apse1.pure.cloud"},
	{Key: "ap-southeast-2", Label: "Sydney", Domain: "mypurecloud.com.au"},
	// Not in the reference's table; the SDK's region hosts list it.
	{Key: "eusc-de-east-1", Label: "EU Sovereign Cloud, Germany East (label UNCONFIRMED)", Domain: "edee1.eusc-pure.cloud"},
	{Key: "dca", Label: "Genesys internal (dca)", Domain: "inindca.com", Internal: true},
	{Key: "tca", Label: "Genesys internal (tca)", Domain: "inintca.com", Internal: true},
}

// APIBase is the API base URL of the region.
func (r Region) APIBase() string { return "https://api." + r.Domain }

// TokenURL is the client-credentials token endpoint of the region.
func (r Region) TokenURL() string { return "https://login." + r.Domain + "/oauth/token" }

func (r Region) String() string { return r.Key + " (" + r.Domain + ")" }

// LookupRegion resolves a region key ("eu-central-1", "eu_central_1"), a
// domain ("mypurecloud.de"), a host ("api.mypurecloud.de") or a URL. An
// unknown value is an error with a did-you-mean.
func LookupRegion(s string) (Region, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" {
		return Region{}, fmt.Errorf("empty region")
	}
	if strings.Contains(v, "://") {
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			v = u.Hostname()
		}
	}
	v = strings.TrimSuffix(v, "/")
	key := strings.ReplaceAll(v, "_", "-")
	for _, r := range Regions {
		if key == r.Key || v == r.Domain {
			return r, nil
		}
	}
	if r, ok := RegionForHost(v); ok {
		return r, nil
	}
	return Region{}, fmt.Errorf("unknown region %q%s", s, suggestRegion(key))
}

// RegionForHost finds the region whose domain the host belongs to:
// api.<domain>, login.<domain>, apps.<domain> or the bare domain.
func RegionForHost(host string) (Region, bool) {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	for _, r := range Regions {
		if h == r.Domain || strings.HasSuffix(h, "."+r.Domain) {
			return r, true
		}
	}
	return Region{}, false
}

// IsAPIHost reports whether host is exactly the API host of a known region.
func IsAPIHost(host string) (Region, bool) {
	r, ok := RegionForHost(host)
	if !ok {
		return r, false
	}
	h := strings.ToLower(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return r, h == "api."+r.Domain
}

func suggestRegion(v string) string {
	var names []string
	for _, r := range Regions {
		names = append(names, r.Key, r.Domain)
	}
	if best := suggest.Closest(v, names); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return "; known regions: " + strings.Join(RegionKeys(), ", ") + " (or a domain such as mypurecloud.de)"
}

// RegionKeys lists the public region keys.
func RegionKeys() []string {
	var ks []string
	for _, r := range Regions {
		if !r.Internal {
			ks = append(ks, r.Key)
		}
	}
	return ks
}
