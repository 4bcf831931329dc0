// Command bench measures gaol against the bare interpreter, side by side
// in one run: start-up of `python3 -c pass`, and the cost of one
// intercepted os.stat. `make bench` runs it; docs/performance.md records
// what it printed. Only ratios and differences measured in the same run
// are reported, never absolute times on their own.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// timeScript times time.time() in a loop, like statScript.
const timeScript = `
import sys, time
n = int(sys.argv[1])
best = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(n):
        time.time()
    best.append((time.perf_counter() - t) / n)
best.sort()
print(best[len(best)//2] * 1e6)
`

// connectScript times a connect to a host listener, one new socket each.
const connectScript = `
import socket, sys, time
n, port = int(sys.argv[1]), int(sys.argv[2])
best = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(n):
        s = socket.socket(); s.connect(("127.0.0.1", port)); s.close()
    best.append((time.perf_counter() - t) / n)
best.sort()
print(best[len(best)//2] * 1e6)
`

const statScript = `
import os, sys, time
n = int(sys.argv[1]); p = sys.argv[2]
os.stat(p)
best = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(n):
        os.stat(p)
    best.append((time.perf_counter() - t) / n)
best.sort()
print(best[len(best)//2] * 1e6)
`

func main() {
	gaol := flag.String("gaol", "bin/gaol", "the gaol binary")
	python := flag.String("python", "/usr/bin/python3", "the interpreter")
	runs := flag.Int("runs", 40, "start-up runs of each")
	stats := flag.Int("stats", 2000, "os.stat calls per timing")
	tuning := flag.String("tuning", "", "GAOL_TUNING for the gaol runs (e.g. workers=1,syncwake=0)")
	compare := flag.String("compare", "", "another gaol binary whose start-up to time in the same interleaved runs (a build before a change)")
	flag.Parse()
	if _, err := exec.Command(*gaol, "run", "--", *python, "-c", "pass").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s does not run: %v\n", *gaol, err)
		os.Exit(1)
	}
	env := os.Environ()
	if *tuning != "" {
		env = append(env, "GAOL_TUNING="+*tuning)
	}
	noop, cleanup, err := buildNoop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	defer cleanup()
	native := []string{*python, "-c", "pass"}
	sandboxed := []string{*gaol, "run", "--", *python, "-c", "pass"}
	version := []string{*gaol, "version"}
	var tn, tg, tv, to, tc []time.Duration
	for i := 0; i < *runs; i++ {
		// Interleaved, so that drift of the machine hits all alike.
		tn = append(tn, timeRun(native, nil))
		tg = append(tg, timeRun(sandboxed, env))
		tv = append(tv, timeRun(version, nil))
		to = append(to, timeRun([]string{noop}, nil))
		if *compare != "" {
			tc = append(tc, timeRun([]string{*compare, "run", "--", *python, "-c", "pass"}, env))
		}
	}
	mn, mg, mv, mo := median(tn), median(tg), median(tv), median(to)
	fmt.Printf("startup  python3 -c pass: native %v, gaol %v (medians of %d interleaved runs): ratio %.2f\n",
		mn.Round(time.Microsecond*100), mg.Round(time.Microsecond*100), *runs, float64(mg)/float64(mn))
	if *compare != "" {
		mc := median(tc)
		fmt.Printf("startup  %s: %v, ratio %.2f; this build against it: %.3f\n",
			*compare, mc.Round(time.Microsecond*100), float64(mc)/float64(mn), float64(mg)/float64(mc))
	}
	// A run starts two Go programs (gaol, and gaol re-executed as the
	// guest stub) besides the interpreter: what an empty Go program and
	// gaol's own start-up cost bounds what any gaol run can reach.
	fmt.Printf("startup  an empty Go program %v, gaol version %v: python3 -c pass plus two empty Go starts is ratio %.2f, plus two gaol starts %.2f\n",
		mo.Round(time.Microsecond*100), mv.Round(time.Microsecond*100),
		float64(mn+2*mo)/float64(mn), float64(mn+2*mv)/float64(mn))

	n := strconv.Itoa(*stats)
	sn := measure([]string{*python, "-c", statScript, n, "/usr"}, nil)
	sg := measure([]string{*gaol, "run", "--", *python, "-c", statScript, n, "/usr"}, env)
	fmt.Printf("os.stat  native %.2f µs, gaol %.2f µs per call (median of 5 × %s): intercepted cost %.2f µs, ratio %.1f\n",
		sn, sg, n, sg-sn, sg/sn)

	// A file of the standard library: host content, one lookup below a
	// host mount, where /usr is a virtual directory of the view.
	osFile, err := exec.Command(*python, "-c", "import os; print(os.__file__)").Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	hostFile := strings.TrimSpace(string(osFile))
	hn := measure([]string{*python, "-c", statScript, n, hostFile}, nil)
	hg := measure([]string{*gaol, "run", "--", *python, "-c", statScript, n, hostFile}, env)
	fmt.Printf("os.stat  of %s (a host file): native %.2f µs, gaol %.2f µs per call: intercepted cost %.2f µs\n",
		hostFile, hn, hg, hg-hn)

	timeNative := measure([]string{*python, "-c", timeScript, n}, nil)
	treal := measure([]string{*gaol, "run", "--", *python, "-c", timeScript, n}, env)
	// Under virtual time the guest's own clocks are virtual: time the
	// loop from the host, as the difference between N calls and none.
	loop := "import sys, time\nfor _ in range(int(sys.argv[1])): time.time()"
	virt := func(k string) time.Duration {
		return median([]time.Duration{
			timeRun([]string{*gaol, "run", "--time", "virtual", "--", *python, "-c", loop, k}, env),
			timeRun([]string{*gaol, "run", "--time", "virtual", "--", *python, "-c", loop, k}, env),
			timeRun([]string{*gaol, "run", "--time", "virtual", "--", *python, "-c", loop, k}, env),
		})
	}
	calls, _ := strconv.Atoi(n)
	calls *= 5
	tvirt := float64(virt(strconv.Itoa(calls))-virt("0")) / float64(calls) / 1e3
	fmt.Printf("time.time native %.2f µs; gaol with real time (vDSO) %.2f µs, with virtual time %.2f µs per call\n", timeNative, treal, tvirt)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	const conns = "200"
	cn := measure([]string{*python, "-c", connectScript, conns, port}, nil)
	cg := measure([]string{*gaol, "run", "--allow-connect", "127.0.0.1:" + port, "--", *python, "-c", connectScript, conns, port}, env)
	fmt.Printf("connect  native %.1f µs, gaol (allowed, made by the supervisor) %.1f µs per socket+connect+close (median of 5 × %s): cost %.1f µs\n",
		cn, cg, conns, cg-cn)
}

func timeRun(argv []string, env []string) time.Duration {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	t := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v: %v\n", argv, err)
		os.Exit(1)
	}
	return time.Since(t)
}

func measure(argv []string, env []string) float64 {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v: %v\n", argv[:2], err)
		os.Exit(1)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(out.String()), 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: unexpected output %q\n", out.String())
		os.Exit(1)
	}
	return v
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// buildNoop builds a Go program whose main does nothing, for the floor
// of a Go program's start on this machine; cleanup removes it.
func buildNoop() (string, func(), error) {
	dir, err := os.MkdirTemp("", "gaol-bench-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	files := map[string]string{"go.mod": "module noop\n\ngo 1.26\n", "main.go": "package main\n\nfunc main() {}\n"}
	for name, text := range files {
		if err := os.WriteFile(dir+"/"+name, []byte(text), 0o644); err != nil {
			cleanup()
			return "", nil, err
		}
	}
	cmd := exec.Command("go", "build", "-o", "noop", ".")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building an empty Go program: %v: %s", err, out)
	}
	return dir + "/noop", cleanup, nil
}
