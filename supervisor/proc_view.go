package supervisor

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/gaol-sandbox/gaol/policies"
	"github.com/gaol-sandbox/gaol/vfs"
)

// procView is the guest's /proc: a few synthesised entries that
// interpreters and common libraries read, and nothing of the host's /proc
// itself. docs/policy.md lists each entry.
func procView(interpreter string, lim policies.Limits) []vfs.Mount {
	return []vfs.Mount{
		// CPython and PyPy find their own binary through it.
		{Guest: "/proc/self/exe", Kind: vfs.KindSymlink, Target: interpreter, Magic: true},
		// PyPy sizes its nursery from the L2 cache size; NumPy and
		// multiprocessing count processors.
		{Guest: "/proc/cpuinfo", Kind: vfs.KindFile, Content: cpuinfo()},
		// Libraries size caches from it: it shows the memory budget.
		{Guest: "/proc/meminfo", Kind: vfs.KindFile, Content: meminfo(lim.Memory)},
		// The caller's own fds: CPython's subprocess closes them from this
		// listing, test suites count them (proc_self.go).
		{Guest: "/proc/self/fd", Kind: vfs.KindDir, Dynamic: procSelfFD},
		// Memory (VmRSS, VmHWM), threads and ids of the caller.
		{Guest: "/proc/self/status", Kind: vfs.KindFile, Dynamic: procSelfStatus},
		{Guest: "/proc/self/limits", Kind: vfs.KindFile, Dynamic: procSelfLimits},
	}
}

// cpuinfoKeys are the fields of the host's /proc/cpuinfo the guest sees.
var cpuinfoKeys = map[string]bool{
	"processor": true, "vendor_id": true, "cpu family": true, "model": true,
	"model name": true, "stepping": true, "cache size": true, "physical id": true,
	"siblings": true, "core id": true, "cpu cores": true, "flags": true,
	"bogomips": true, "clflush size": true, "cache_alignment": true, "address sizes": true,
}

func cpuinfo() []byte {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return []byte("processor\t: 0\n\n")
	}
	defer f.Close()
	var out bytes.Buffer
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			out.WriteByte('\n')
			continue
		}
		key, _, _ := strings.Cut(line, ":")
		if cpuinfoKeys[strings.TrimSpace(key)] {
			out.WriteString(line)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

func meminfo(budget int64) []byte {
	kb := budget / 1024
	if kb <= 0 {
		kb = 1 << 20
	}
	return []byte(fmt.Sprintf("MemTotal:       %8d kB\nMemFree:        %8d kB\nMemAvailable:   %8d kB\n", kb, kb, kb))
}
