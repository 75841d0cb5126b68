#!/usr/bin/env bash
# Learning curves of one algorithm embedded (one process, actor threads) and as a cluster of processes
# (astromech cluster up), seed by seed, back to back: the evaluations every EVAL steps side by side, so the
# two can be compared in env steps (not wall time).
# usage: bench/cluster-curves.sh [ALGO=apex] [SEEDS=0,1,2] [STEPS=30000] [EVAL=5000] [extra flags for both]
# Set ASTROMECH="dotnet /path/Astromech.Cli.dll" to run a frozen build while the sources change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
algo="${1:-apex}"; seeds="${2:-0,1,2}"; steps="${3:-30000}"; every="${4:-5000}"; shift $(( $# < 4 ? $# : 4 ))
out="$root/runs/bench-cluster-curves-$algo-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
cli=${ASTROMECH:-"$root/astromech"}
for s in ${seeds//,/ }; do
  $cli train --algo "$algo" --env CartPole-v1 --seed "$s" --steps "$steps" --eval-interval "$every" --eval-episodes 20 --no-progress \
    --out "$out/embedded-s$s" "$@" > "$out/embedded-s$s.log" 2>&1 || echo "embedded seed $s failed, see $out/embedded-s$s.log"
  $cli cluster up --algo "$algo" --env CartPole-v1 --seed "$s" --steps "$steps" --eval-interval "$every" --eval-episodes 20 \
    --out "$out/cluster-s$s" "$@" > "$out/cluster-s$s.log" 2>&1 || echo "cluster seed $s failed, see $out/cluster-s$s.log"
done
python3 - "$out" <<'PY'
import csv, json, os, sys
out = sys.argv[1]
for name in sorted(os.listdir(out)):
    run = os.path.join(out, name)
    if not os.path.exists(os.path.join(run, "summary.json")): continue
    evals = [(int(r["step"]), float(r["value"])) for r in csv.DictReader(open(os.path.join(run, "metrics.csv"))) if r["name"] == "eval/mean_return"]
    s = json.load(open(os.path.join(run, "summary.json")))
    print(f"{name:14s} " + " ".join(f"{st // 1000}k:{v:.0f}" for st, v in evals) + f" | final {s['eval_mean_return']:.1f}, {s['wall_seconds']:.0f} s")
print("runs in", out)
PY
