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
	pids, _ := walkTree(root)
	return pids
}

// walkTree is guestTree that also counts the tasks (threads) it walked.
func walkTree(root int) (pids []int, tasks int) {
	if root <= 0 {
		return nil, 0
	}
	out := []int{root}
	for i := 0; i < len(out) && i < 4096; i++ {
		entries, err := os.ReadDir("/proc/" + strconv.Itoa(out[i]) + "/task")
		if err != nil {
			continue
		}
		tasks += len(entries)
		for _, t := range entries {
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
	return out, tasks
}

// treeUsage sums CPU time, resident memory and tasks (threads) over the
// guest's processes.
func treeUsage(root int) (cpu time.Duration, rss int64, tasks int) {
	pids, tasks := walkTree(root)
	for _, pid := range pids {
		if c, err := cpuTime(pid); err == nil {
			cpu += c
		}
		if _, r, err := statm(pid); err == nil {
			rss += r
		}
	}
	return cpu, rss, tasks
}
