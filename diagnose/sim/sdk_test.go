package sim

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/convdiag/convdiag/diagnose/genesys"
)

// TestOfficialSDK drives the official Genesys JavaScript SDK against the
// simulated org through its gateway setting (testdata/sdk/smoke.js): login,
// the reads, a 409 request.conflict for an ended leg, 400 not.a.user for the
// /calls/ PATCH with client credentials, and the generic PATCH that drops
// the live leg. It needs node and the SDK (testdata/sdk/install.sh); without
// them it is skipped, saying so.
func TestOfficialSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the official SDK cannot run")
	}
	dir, _ := filepath.Abs("../../testdata/sdk")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "purecloud-platform-client-v2")); err != nil && os.Getenv("NODE_PATH") == "" {
		t.Skip("the official SDK is not installed: run testdata/sdk/install.sh (npm) to run this test")
	}
	conv, _ := ScenarioFile("conversations/transfer-retry.json")
	tok, _ := ScenarioFile("tokens/client-credentials.json")
	d, err := genesys.DecodeConversation(conv, "")
	if err != nil {
		t.Fatal(err)
	}
	ti, err := genesys.DecodeTokenInfo(tok)
	if err != nil {
		t.Fatal(err)
	}
	run, err := Start(context.Background(), "127.0.0.1:0", New(NewOrg(ti, d), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "smoke.js"), run.URL, trConv, "6c2d0a81-f39e-4eb0-827b-cf8d5ea03b76", trAgent)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the SDK failed: %v\n%s", err, out)
	}
	var got struct {
		Login, Org       string
		Participants     int
		CallParticipants int `json:"callParticipants"`
		Ended, Calls     struct {
			Status int
			Code   string
		}
		Dropped         bool
		SubjectGrants   int      `json:"subjectGrants"`
		ClientRoles     int      `json:"clientRoles"`
		RolePermissions []string `json:"rolePermissions"`
		PermittedTotal  *int     `json:"permittedTotal"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Login != "ok" || got.Org != "Mycompany" || got.Participants != 5 || got.CallParticipants != 5 {
		t.Errorf("login and reads: %s", out)
	}
	if got.Ended.Status != 409 || got.Ended.Code != "request.conflict" {
		t.Errorf("the ended leg: %+v, want 409 request.conflict", got.Ended)
	}
	if got.Calls.Status != 400 || got.Calls.Code != "not.a.user" {
		t.Errorf("the /calls/ PATCH with client credentials: %+v, want 400 not.a.user", got.Calls)
	}
	// A client-credentials token: its subject lists no grants (the case
	// convdiag handles through the client's roles), its client one role
	// with the drop permission.
	if got.SubjectGrants != 0 || got.ClientRoles != 1 || !slices.Contains(got.RolePermissions, "conversation:communication:disconnect") || got.PermittedTotal == nil {
		t.Errorf("the grant reads through the SDK: %s", out)
	}
	if !got.Dropped {
		t.Errorf("the generic PATCH did not drop the live leg: %s", out)
	}
}
