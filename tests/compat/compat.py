#!/usr/bin/env python3
"""Run CPython's own unittest modules natively and under gaol, side by side.

For each module it prints: tests run, passed natively, passed under gaol,
and the test ids that pass natively but not under gaol. The total line is
the share of natively passing test cases that also pass under gaol.

  python3 tests/compat/compat.py [--gaol bin/gaol] [--python PATH] [MODULE...]

The interpreter must ship CPython's test package (pyenv's builds do).
Each run's working directory is a fresh scratch directory: natively a new
temporary directory, under gaol the guest's /tmp.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

MODULES = [
    "test_os", "test_posixpath", "test_pathlib", "test_glob", "test_shutil",
    "test_tempfile", "test_io", "test_fileio", "test_zipfile", "test_tarfile",
    "test_json", "test_csv", "test_sqlite3", "test_logging", "test_threading",
    "test_time", "test_datetime", "test_zipimport", "test_importlib",
]

LINE = re.compile(r"^(test\w*) \(([\w.]+)\)(?:\n.*?)? \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$", re.M)


def results(output):
    """Maps test id to its outcome from `unittest -v` output."""
    out = {}
    for name, cls, outcome in LINE.findall(output):
        tid = cls if cls.endswith("." + name) else cls + "." + name
        out[tid] = "ok" if outcome in ("ok", "expected failure") else outcome.split()[0]
    return out


def run(argv, timeout):
    return run_in(None, argv, timeout)


def run_in(cwd, argv, timeout):
    t = time.monotonic()
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=timeout, cwd=cwd)
        return p.stdout, time.monotonic() - t
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""), timeout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gaol", default="bin/gaol")
    ap.add_argument("--python", default=None, help="an interpreter with the test package")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--policy", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "compat.hcl"))
    ap.add_argument("--json", help="write the per-test outcomes here")
    ap.add_argument("modules", nargs="*")
    a = ap.parse_args()
    python = a.python or find_python()
    if not python:
        print("compat: no interpreter with CPython's test package found (pyenv's have one); skipped")
        return 0
    gaol = os.path.abspath(a.gaol)
    modules = a.modules or MODULES
    print(f"interpreter {python}")
    print(f"{'module':<18} {'run':>5} {'native':>7} {'gaol':>7}  seconds native/gaol")
    total_native = total_both = 0
    report = {}
    for m in modules:
        with tempfile.TemporaryDirectory() as d:
            native_out, tn = run_in(d, [python, "-m", "unittest", "-v", "test." + m], a.timeout)
        gaol_out, tg = run([gaol, "run", "--policy", a.policy, "--var", "python=" + os.path.realpath(python),
                            "--wall", f"{a.timeout}s", "--cwd", "/tmp", "--",
                            os.path.realpath(python), "-m", "unittest", "-v", "test." + m],
                           a.timeout + 30)
        n, g = results(native_out), results(gaol_out)
        passed_n = {t for t, o in n.items() if o == "ok"}
        passed_g = {t for t, o in g.items() if o == "ok"}
        both = passed_n & passed_g
        total_native += len(passed_n)
        total_both += len(both)
        print(f"{m:<18} {len(n):>5} {len(passed_n):>7} {len(both):>7}  {tn:.0f}/{tg:.0f}")
        lost = sorted(passed_n - passed_g)
        for t in lost:
            print(f"    lost: {t}: {g.get(t, 'not run')}")
        report[m] = {"run": len(n), "native": len(passed_n), "gaol": len(both), "lost": {t: g.get(t, "not run") for t in lost}}
    ratio = total_both / total_native if total_native else 0
    print(f"total: {total_both} of {total_native} natively passing test cases pass under gaol: {ratio:.2%}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


def find_python():
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for v in ("3.11.7", "3.12.1", "3.13.0", "3.10.13"):
        p = os.path.join(root, "versions", v, "bin", "python3")
        if os.path.exists(p) and os.path.isdir(os.path.join(root, "versions", v, "lib", "python" + v.rsplit(".", 1)[0], "test")):
            return p
    for d in sorted(os.listdir(os.path.join(root, "versions")) if os.path.isdir(os.path.join(root, "versions")) else []):
        p = os.path.join(root, "versions", d, "bin", "python3")
        if os.path.exists(p):
            return p
    return None


if __name__ == "__main__":
    sys.exit(main())
