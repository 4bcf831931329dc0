package supervisor_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
)

// TestPreStartedStubs: a stub started before the policy is known (as gaol
// run does while it reads the policy) is taken by a run whose policy
// fits it, replaced by a run whose policy needs other namespaces, and
// never outlives the run, or Close when no run takes it.
func TestPreStartedStubs(t *testing.T) {
	requireSandbox(t)
	defer holdQuiet(t, false)()
	const notFit = "pre-started stub does not fit the policy"
	load := func(t *testing.T, hcl string) *policies.Policy {
		pol, diags := policies.LoadSource("test.hcl", []byte(hcl), nil)
		if diags.HasErrors() {
			t.Fatalf("policy: %v", diags)
		}
		return pol
	}
	run := func(t *testing.T, pol *policies.Policy) (res *supervisor.Result, stdout, log string) {
		var out, logs bytes.Buffer
		stub, err := supervisor.StartStub(supervisor.Options{Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res = supervisor.Run(ctx, supervisor.Options{
			Policy: pol, Path: python, Argv: []string{python, "-c", "import os; print(os.getuid(), os.getgid())"},
			Stdout: &out, Stub: stub,
			Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Debug}),
		})
		stub.Close() // a no-op: the run closed it
		return res, strings.TrimSpace(out.String()), logs.String()
	}
	fdsBefore, childrenBefore := openFDs(t), children(t)

	t.Run("a run takes a stub that fits its policy", func(t *testing.T) {
		res, out, log := run(t, builtin(t))
		if res.Status != 0 || out != "1000 1000" {
			t.Fatalf("status %d, output %q, want 0 and \"1000 1000\"; %s", res.Status, out, describe(res))
		}
		if strings.Contains(log, notFit) {
			t.Errorf("the run started a stub of its own:\n%s", log)
		}
	})
	t.Run("a run whose identity differs starts its own stub", func(t *testing.T) {
		res, out, log := run(t, load(t, `sandbox "id" {
  extends = "python"
  identity {
    uid = 4242
    gid = 4343
  }
}`))
		if res.Status != 0 || out != "4242 4343" {
			t.Fatalf("status %d, output %q, want 0 and \"4242 4343\"; %s", res.Status, out, describe(res))
		}
		if !strings.Contains(log, notFit) {
			t.Errorf("the log does not say the stub was replaced:\n%s", log)
		}
	})
	// The guest has its own network namespace whatever the policy's
	// network block says, so a network does not need a stub of its own.
	t.Run("a run that allows a network takes the pre-started stub too", func(t *testing.T) {
		res, _, log := run(t, load(t, `sandbox "net" {
  extends = "python"
  network {
    connect = ["127.0.0.1:9"]
  }
}`))
		if res.Status != 0 {
			t.Fatalf("status %d; %s", res.Status, describe(res))
		}
		if strings.Contains(log, notFit) {
			t.Errorf("the log says the stub was replaced:\n%s", log)
		}
	})
	t.Run("a run that fails before it starts closes the stub", func(t *testing.T) {
		stub, err := supervisor.StartStub(supervisor.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res := supervisor.Run(context.Background(), supervisor.Options{Stub: stub}); res.Error == "" {
			t.Fatalf("a run without a policy did not fail: %s", describe(res))
		}
	})
	t.Run("Close releases a stub no run took", func(t *testing.T) {
		stub, err := supervisor.StartStub(supervisor.Options{})
		if err != nil {
			t.Fatal(err)
		}
		stub.Close()
		stub.Close()
	})

	if got := openFDs(t); len(got) != len(fdsBefore) {
		t.Errorf("the test process has %d open fds, before %d:\nbefore: %v\nafter:  %v", len(got), len(fdsBefore), fdsBefore, got)
	}
	if got := children(t); len(got) != len(childrenBefore) {
		t.Errorf("processes left %v, before %v", got, childrenBefore)
	}
}
