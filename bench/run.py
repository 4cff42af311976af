"""Driver of bench/run.sh: builds the inputs, runs every command RUNS times
interleaved, keeps the median wall time and the largest peak RSS of each,
and prints the ratios against the targets."""

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "target", "bench-data")
PODSEC = os.path.join(ROOT, "target", "release", "podsec")
FLOOR = os.path.join(ROOT, "target", "release", "examples", "floor")
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
# `fix` on the 100 MB file takes minutes a run: fewer runs unless asked.
FIX_RUNS = int(os.environ.get("FIX_RUNS", min(RUNS, 3)))
CORES = os.cpu_count() or 1
MIB = 1024 * 1024


def workload_files():
    """Corpus files holding at least one workload, with their counts."""
    out = subprocess.run(
        [PODSEC, "pss", "--format", "json", "tests/corpus/k8s"],
        cwd=ROOT, capture_output=True, text=True,
    ).stdout
    counts = {}
    for w in json.loads(out)["workloads"]:
        counts[w["file"]] = counts.get(w["file"], 0) + 1
    return sorted(counts.items())


def build_inputs():
    stamp = os.path.join(DATA, "done-v1")
    if os.path.exists(stamp):
        return
    shutil.rmtree(DATA, ignore_errors=True)
    files = workload_files()
    per_round = sum(n for _, n in files)
    # At least 10,000 workloads and 10,000 files.
    rounds = max(-(-10_000 // per_round), -(-10_000 // len(files)))
    for r in range(rounds):
        for f, _ in files:
            dst = os.path.join(DATA, "dir", f"r{r:02}", f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(os.path.join(ROOT, f), dst)
    texts = []
    for f, _ in files:
        t = open(os.path.join(ROOT, f), encoding="utf-8").read()
        texts.append(t if t.endswith("\n") else t + "\n")
    for name, size in (("big10.yaml", 10_000_000), ("big100.yaml", 100_000_000)):
        with open(os.path.join(DATA, name), "w", encoding="utf-8") as o:
            n = i = 0
            while n < size:
                t = "---\n" + texts[i % len(texts)]
                o.write(t)
                n += len(t.encode())
                i += 1
    open(stamp, "w").close()


def run_once(cmd, prepare=None):
    """Wall seconds and peak RSS (bytes) of one whole process, run under
    GNU time for the RSS."""
    if prepare:
        prepare()
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, cwd=DATA,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    err = p.stderr.decode()
    if p.returncode not in (0, 1):
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return wall, int(err.strip().splitlines()[-1]) * 1024


def measure(cases, runs):
    """Interleaved runs after one warm-up round; median wall and largest
    RSS per case."""
    walls = {k: [] for k in cases}
    rss = {k: 0 for k in cases}
    for k, (cmd, prep) in cases.items():
        run_once(cmd, prep)
    for _ in range(runs):
        for k, (cmd, prep) in cases.items():
            w, r = run_once(cmd, prep)
            walls[k].append(w)
            rss[k] = max(rss[k], r)
    return {k: (statistics.median(v), rss[k]) for k, v in walls.items()}


def main():
    build_inputs()
    big100 = os.path.getsize(os.path.join(DATA, "big100.yaml"))
    nfiles = sum(len(fs) for _, _, fs in os.walk(os.path.join(DATA, "dir")))
    def copy(src):
        return lambda: shutil.copy(os.path.join(DATA, src), os.path.join(DATA, "fix.yaml"))
    pss = [PODSEC, "pss", "--level", "restricted"]
    scan = [PODSEC, "scan", "--color", "never"]
    scanj = [PODSEC, "scan", "--format", "json"]
    fix = [PODSEC, "fix", "--unsafe-fixes", "fix.yaml"]
    one, all_ = ["--threads", "1"], ["--threads", str(CORES)]
    # Three groups, each interleaved on its own: a run right after the
    # 100 MB fix (gigabytes freed) would be slowed by the kernel's clean-up,
    # and that must not fall on one command more than another.
    cases = {
        "floor": ([FLOOR, "dir"], None),
        "pss 1": (pss + one + ["dir"], None),
        "scan text 1": (scan + one + ["dir"], None),
        "scan json 1": (scanj + one + ["dir"], None),
        f"pss {CORES}": (pss + all_ + ["dir"], None),
        f"scan text {CORES}": (scan + all_ + ["dir"], None),
        f"scan json {CORES}": (scanj + all_ + ["dir"], None),
    }
    big = {}
    fixes = {}
    for size in ("10", "100"):
        f = f"big{size}.yaml"
        big.update({
            f"floor {f}": ([FLOOR, f], None),
            f"pss {f}": (pss + [f], None),
            f"scan text {f}": (scan + [f], None),
            f"scan json {f}": (scanj + [f], None),
        })
        fixes[f"fix {f}"] = (fix, copy(f))
    m = measure(cases, RUNS)
    m.update(measure(big, RUNS))
    m.update(measure(fixes, FIX_RUNS))
    print(f"inputs: dir/ {nfiles} files (tests/corpus workloads repeated), "
          f"big10.yaml {os.path.getsize(os.path.join(DATA, 'big10.yaml')) / MIB:.1f} MiB, "
          f"big100.yaml {big100 / MIB:.1f} MiB; {CORES} cores; median of {RUNS} "
          f"(fix: {FIX_RUNS})\n")
    print(f"{'run':<24} {'wall s':>8} {'peak RSS MiB':>13}")
    for k, (w, r) in m.items():
        print(f"{k:<24} {w:>8.3f} {r / MIB:>13.1f}")
    floor = m["floor"][0]
    checks = [
        ("pss 1 thread / floor", m["pss 1"][0] / floor, 1.5),
        ("scan json 1 thread / floor", m["scan json 1"][0] / floor, 3.0),
        (f"pss {CORES} threads / floor", m[f"pss {CORES}"][0] / floor, 1.0),
        (f"scan json {CORES} threads / floor", m[f"scan json {CORES}"][0] / floor, 1.8),
    ]
    for c in ("pss", "scan text", "scan json", "fix"):
        checks.append((f"{c}: big100 / big10 time", m[f"{c} big100.yaml"][0] / m[f"{c} big10.yaml"][0], 12.0))
    print()
    for name, v, target in checks:
        print(f"{name:<36} {v:>6.2f}x  target <= {target:<5} {'ok' if v <= target else 'MISSED'}")
    rss_checks = []
    for k in ("pss 1", "scan text 1", "scan json 1", f"pss {CORES}", f"scan text {CORES}", f"scan json {CORES}"):
        rss_checks.append((f"RSS {k} ({nfiles} files)", m[k][1], 64 * MIB))
    for c in ("pss", "scan text", "scan json"):
        rss_checks.append((f"RSS {c} big100", m[f"{c} big100.yaml"][1], big100 + 64 * MIB))
    for name, v, limit in rss_checks:
        print(f"{name:<36} {v / MIB:>7.1f} MiB  limit {limit / MIB:.0f} MiB  {'ok' if v <= limit else 'MISSED'}")
    # No over-reservation: the 100 MB file under a 4 GiB address-space limit.
    for c, cmd in (("pss", pss), ("scan json", scanj)):
        p = subprocess.run(cmd + ["big100.yaml"], cwd=DATA, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)))
        print(f"{c} big100 under ulimit -v 4G: exit {p.returncode} {'ok' if p.returncode in (0, 1) else 'MISSED'}")


if __name__ == "__main__":
    main()
