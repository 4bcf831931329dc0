package supervisor

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// guestTree lists the processes of the guest: the interpreter and its
// descendants, found through /proc/PID/task/TID/children.
func guestTree(root int) []int {
	if root <= 0 {
		return nil
	}
	out := []int{root}
	for i := 0; i < len(out) && i < 4096; i++ {
		tasks, err := os.ReadDir("/proc/" + strconv.Itoa(out[i]) + "/task")
		if err != nil {
			continue
		}
		for _, t := range tasks {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(out[i]) + "/task/" + t.Name() + "/children")
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					out = append(out, pid)
				}
			}
		}
	}
	return out
}

// treeUsage sums CPU time, resident memory and tasks (threads) over the
// guest's processes.
func treeUsage(root int) (cpu time.Duration, rss int64, tasks int) {
	for _, pid := range guestTree(root) {
		if c, err := cpuTime(pid); err == nil {
			cpu += c
		}
		if _, r, err := statm(pid); err == nil {
			rss += r
		}
		if entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task"); err == nil {
			tasks += len(entries)
		}
	}
	return cpu, rss, tasks
}
