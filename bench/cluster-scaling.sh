#!/usr/bin/env bash
# Ape-X embedded (one process, actor threads) vs cluster (astromech cluster up: replay, learner and N actor
# processes on 127.0.0.1), for each actor count, run back to back so both see the same machine load.
# Prints one line per run: steady-state env steps/s (over the second half of the run, from metrics.csv, so
# process start-up does not count), the learner's updates/s (learner-thread time), mean policy lag and the
# final evaluation; then cluster/embedded ratios.
# usage: bench/cluster-scaling.sh [ACTORS=1,2,4] [STEPS=30000] [extra flags for both, e.g. --set samples_per_insert=0]
# Set ASTROMECH="dotnet /path/Astromech.Cli.dll" to run a frozen build while the sources change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
actors="${1:-1,2,4}"; steps="${2:-30000}"; shift $(( $# < 2 ? $# : 2 ))
out="$root/runs/bench-cluster-scaling-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
cli=${ASTROMECH:-"$root/astromech"}
for n in ${actors//,/ }; do
  $cli train --algo apex --env CartPole-v1 --actors "$n" --steps "$steps" --eval-episodes 10 --eval-interval 0 --no-progress \
    --out "$out/embedded-$n" "$@" > "$out/embedded-$n.log" 2>&1 || { echo "embedded $n failed, see $out/embedded-$n.log"; continue; }
  $cli cluster up --algo apex --env CartPole-v1 --actors "$n" --steps "$steps" --eval-episodes 10 --eval-interval 0 \
    --out "$out/cluster-$n" "$@" > "$out/cluster-$n.log" 2>&1 || { echo "cluster $n failed, see $out/cluster-$n.log"; continue; }
done
python3 - "$out" <<'PY'
import csv, json, os, sys
out = sys.argv[1]
def steady(run):
    rows = [(int(r["step"]), float(r["wall_seconds"])) for r in csv.DictReader(open(os.path.join(run, "metrics.csv")))]
    last = rows[-1]
    half = next(r for r in rows if r[0] >= last[0] / 2)
    return (last[0] - half[0]) / max(1e-9, last[1] - half[1])
res = {}
for name in sorted(os.listdir(out)):
    run = os.path.join(out, name)
    if not os.path.isdir(run) or not os.path.exists(os.path.join(run, "summary.json")): continue
    s = json.load(open(os.path.join(run, "summary.json"))); a = s["agent_stats"]
    mode, n = name.rsplit("-", 1)
    res[(mode, int(n))] = r = (steady(run), a["learner_updates_per_second"], a["policy_lag_mean"], s["eval_mean_return"])
    print(f"{mode:9s} actors {n}: env steps/s {r[0]:7.0f} | learner updates/s {r[1]} | policy lag {r[2]} | eval {r[3]:.1f} | "
          f"{s['env_steps']} steps in {s['wall_seconds']:.1f} s")
for n in sorted({k[1] for k in res}):
    if ("embedded", n) in res and ("cluster", n) in res:
        e, c = res[("embedded", n)], res[("cluster", n)]
        print(f"actors {n}: cluster/embedded env steps/s {c[0] / e[0]:.2f}, learner updates/s {c[1] / e[1]:.2f}")
print("runs in", out)
PY
