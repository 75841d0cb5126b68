#!/usr/bin/env bash
# Trains one algorithm on one env for several seeds, one run after another (2 cores: no overlap), with the
# shipped preset unless extra train flags say otherwise, and prints one line per seed from summary.json
# plus how many runs' final evaluation reached the env's threshold.
# usage: bench/seeds.sh ALGO ENV_ID [SEEDS=0,1,2,3,4] [extra astromech train flags...]
# Set ASTROMECH="dotnet /path/Astromech.Cli.dll" to run a frozen build while the sources change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
algo="$1"; env_id="$2"; seeds="${3:-0,1,2,3,4}"; shift $(( $# < 3 ? $# : 3 ))
out="$root/runs/bench-$algo-$(echo "$env_id" | tr / _)-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
for s in ${seeds//,/ }; do
  ${ASTROMECH:-"$root/astromech"} train --algo "$algo" --env "$env_id" --seed "$s" --out "$out/s$s" --no-progress "$@" > "$out/s$s.log" 2>&1 \
    || { echo "seed $s failed, see $out/s$s.log"; continue; }
  python3 - "$out/s$s/summary.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"seed {d['seed']}: eval {d['eval_mean_return']:.1f} (best {d['best_eval_mean_return']}) | train mean100 {d['final_mean_return']} "
      f"reached threshold at {d['solved_at_step']} ({d.get('solved_at_wall_seconds')} s) | eval reached it at {d['eval_solved_at_step']} | {d['env_steps']} steps in {d['wall_seconds']:.1f} s")
PY
done
python3 - "$out" <<'PY'
import json, sys, glob
runs = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/s*/summary.json"))]
thr = runs[0]["reward_threshold"] if runs else None
if thr is not None:
    print(f"final evaluation ≥ {thr}: {sum(r['eval_mean_return'] >= thr for r in runs)}/{len(runs)}; "
          f"some evaluation ≥ {thr}: {sum(r['eval_solved_at_step'] is not None for r in runs)}/{len(runs)}")
print("runs in", sys.argv[1])
PY
