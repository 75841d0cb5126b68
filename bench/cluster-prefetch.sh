#!/usr/bin/env bash
# A/B of the Ape-X cluster learner's sample prefetch depth (--prefetch): REPEATS interleaved pairs of
# `cluster up` runs, so both depths see the same machine load; prints steady-state env steps/s (second half of each
# run, from metrics.csv) and the learner's updates/s for each run, then the mean per depth.
# usage: bench/cluster-prefetch.sh [DEPTHS=1,2] [REPEATS=3] [STEPS=30000] [ACTORS=2]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
depths="${1:-1,2}"; repeats="${2:-3}"; steps="${3:-30000}"; actors="${4:-2}"
out="$root/runs/bench-cluster-prefetch-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
cli=${ASTROMECH:-"$root/astromech"}
for r in $(seq 1 "$repeats"); do
  for d in ${depths//,/ }; do
    $cli cluster up --algo apex --env CartPole-v1 --actors "$actors" --steps "$steps" --eval-episodes 10 --eval-interval 0 --prefetch "$d" \
      --out "$out/depth$d-r$r" > "$out/depth$d-r$r.log" 2>&1 || echo "depth $d repeat $r failed, see $out/depth$d-r$r.log"
  done
done
python3 - "$out" <<'PY'
import csv, json, os, sys, collections
out = sys.argv[1]
def steady(run):
    rows = [(int(r["step"]), float(r["wall_seconds"])) for r in csv.DictReader(open(os.path.join(run, "metrics.csv")))]
    last = rows[-1]; half = next(r for r in rows if r[0] >= last[0] / 2)
    return (last[0] - half[0]) / max(1e-9, last[1] - half[1])
by = collections.defaultdict(list)
for name in sorted(os.listdir(out)):
    run = os.path.join(out, name)
    if not os.path.exists(os.path.join(run, "summary.json")): continue
    s = json.load(open(os.path.join(run, "summary.json"))); a = s["agent_stats"]
    d = name.split("-")[0]; v = steady(run); by[d].append(v)
    print(f"{name}: env steps/s {v:.0f} | learner updates/s {a['learner_updates_per_second']} | policy lag {a['policy_lag_mean']} | eval {s['eval_mean_return']:.1f}")
for d, v in sorted(by.items()): print(f"{d}: mean env steps/s {sum(v) / len(v):.0f} over {len(v)} runs ({', '.join(f'{x:.0f}' for x in v)})")
print("runs in", out)
PY
