package supervisor_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/supervisor"
)

// A run of python on the built-in profile. A service that runs many
// guests starts each run's stub ahead of time (StartStub), while it does
// something else (here: loading the policy), so that the stub's start-up
// is off the run's critical path; Run takes the stub if it fits the
// policy.
func ExampleStartStub() {
	var out bytes.Buffer
	stub, err := supervisor.StartStub(supervisor.Options{Stdout: &out})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stub.Close() // a no-op once a run has taken it
	pol, diags := policies.NewParser().Builtin("python")
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	res := supervisor.Run(context.Background(), supervisor.Options{
		Policy: pol, Path: "/usr/bin/python3",
		Argv:   []string{"/usr/bin/python3", "-c", "import os; print('hello from uid', os.getuid())"},
		Stdout: &out, Stub: stub,
	})
	fmt.Print(out.String())
	fmt.Println("status", res.Status, "limit", res.Limit)
	// Output:
	// hello from uid 1000
	// status 0 limit none
}
