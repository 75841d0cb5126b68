#!/usr/bin/env bash
# Issue 14 (recurrent actor-critic): recurrent PPO against feedforward PPO on CartPoleNoVelocity-v1, same env, seeds and
# step budget. Target: recurrent final evaluation (100 deterministic episodes) ≥ 475 on ≥ 3 of 5 seeds within 500k steps.
#   ppo-lstm: configs/ppo/CartPoleNoVelocity-v1.json (the Zoo's RecurrentPPO settings on an LSTM core)
#   ppo-ff:   the same preset with recurrent = none (a feedforward network of the same torso and heads)
# Runs go PAR at a time (default 1; 2 cores are shared), each seed's summary line printed as it finishes.
# usage: bench/recurrent-ppo.sh [SEEDS=0,1,2,3,4] [VARIANTS="ppo-lstm ppo-ff"] [STEPS=<preset's steps>]
# Set ASTROMECH="dotnet /path/Astromech.Cli.dll" to run a frozen build while the sources change; PAR=2 runs two at once;
# SET="key=value ..." adds --set overrides to every run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${1:-0,1,2,3,4}"; variants="${2:-ppo-lstm ppo-ff}"
cfg="$root/configs/ppo/CartPoleNoVelocity-v1.json"
steps="${3:-$(python3 -c "import json,re,sys; t=open(sys.argv[1]).read(); t=re.sub(r'^\s*//.*$','',t,flags=re.M); print(json.loads(t)['steps'])" "$cfg")}"
out="${OUT:-$root/runs/recurrent-ppo-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
extra=(); for kv in ${SET:-}; do extra+=(--set "$kv"); done
report() {
  python3 - "$1/summary.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:8s} {d['env']} seed {d['seed']}: final eval {d['eval_mean_return']:.2f} ± {d['eval_std_return']:.2f} (100 episodes), "
      f"best periodic {d['best_eval_mean_return']} | {d['env_steps']} steps in {d['wall_seconds']:.0f} s")
PY
}
run_one() {
  local variant="$1" s="$2" run="$out/$1-s$2" core
  case "$variant" in ppo-lstm) core=lstm ;; ppo-gru) core=gru ;; ppo-ff) core=none ;; *) echo "unknown variant $variant"; return 2 ;; esac
  ${ASTROMECH:-"$root/astromech"} train --config "$cfg" --steps "$steps" --eval-interval 50000 --eval-episodes 100 \
    --seed "$s" --out "$run" --no-progress --set "recurrent=$core" "${extra[@]}" > "$run.log" 2>&1 \
    || { echo "$variant seed $s failed, see $run.log"; return 0; }
  report "$run" "$variant"
}
jobs_running() { jobs -rp | wc -l; }
for variant in $variants; do
  for s in ${seeds//,/ }; do
    while [ "$(jobs_running)" -ge "${PAR:-1}" ]; do sleep 2; done
    run_one "$variant" "$s" &
  done
done
wait
python3 - "$out" <<'PY'
import json, sys, glob, os, collections
by = collections.defaultdict(list)
for f in sorted(glob.glob(sys.argv[1] + "/*/summary.json")):
    by[os.path.basename(os.path.dirname(f)).rsplit("-s", 1)[0]].append(json.load(open(f)))
for v, runs in by.items():
    evals = [r["eval_mean_return"] for r in runs]
    print(f"{v}: final eval ≥ 475 on {sum(e >= 475 for e in evals)}/{len(runs)} seeds; "
          f"seeds {[r['seed'] for r in runs]} → {[round(e, 1) for e in evals]}")
print("runs in", sys.argv[1])
PY
