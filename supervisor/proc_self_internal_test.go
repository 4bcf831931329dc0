package supervisor

import "testing"

func TestStatusViewShowsTheGuestsIdsAndNothingOfTheHost(t *testing.T) {
	host := "Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t48211\nNgid:\t0\nPid:\t48211\nPPid:\t48200\n" +
		"TracerPid:\t48100\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t0 27\nNStgid:\t48211\t6\nNSpid:\t48211\t6\n" +
		"NSpgid:\t48190\t0\nNSsid:\t48190\t0\nKthread:\t0\nVmPeak:\t   13860 kB\nVmRSS:\t    8260 kB\nThreads:\t3\n" +
		"CapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n" +
		"Speculation_Store_Bypass:\tthread vulnerable\nCpus_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t154\n"
	want := "Name:\tpython3\nUmask:\t0077\nState:\tR (running)\nTgid:\t6\nNgid:\t0\nPid:\t6\nPPid:\t1\n" +
		"TracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\nGid:\t2000\t2000\t2000\t2000\nFDSize:\t64\nGroups:\t\nNStgid:\t6\nNSpid:\t6\n" +
		"VmPeak:\t   13860 kB\nVmRSS:\t    8260 kB\nThreads:\t3\nCpus_allowed_list:\t0-1\nvoluntary_ctxt_switches:\t154\n"
	got := string(statusView([]byte(host), statusIDs{pid: 6, ppid: 1, uid: 1000, gid: 2000, umask: 0o077}))
	if got != want {
		t.Errorf("statusView:\n%s\nwant:\n%s", got, want)
	}
}
