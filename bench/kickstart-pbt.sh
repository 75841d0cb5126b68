#!/usr/bin/env bash
# PBT-scheduled λ vs hand schedules (issue 7), PPO student (32-32 ReLU) kickstarted from a PPO teacher on Acrobot-v1.
# Hand schedules, each over SEEDS at STEPS env steps: constant λ = 1, linear 1 → 0 over 50k, exponential halving every
# 20k. Then one PBT run of configs/pbt/ppo-Acrobot-v1-kickstart.json (4 members × STEPS, λ searched in [0, 2]).
# Prints each run's final 100-episode training mean and deterministic evaluation (100 episodes; PBT members: the
# final ready point's 10-episode evaluation, and the best member re-evaluated on 100 episodes with astromech eval).
# usage: bench/kickstart-pbt.sh TEACHER.ckpt [SEEDS=1,2,3] [STEPS=204800]
# Env vars: OUT (folder; finished runs in it are skipped), PBT_CONFIG (default configs/pbt/ppo-Acrobot-v1-kickstart.json;
# configs/pbt/ppo-Acrobot-v1-kickstart-train-mean.json ranks members by their last-100 training mean), ASTROMECH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
teacher="$1"; seeds="${2:-1,2,3}"; steps="${3:-204800}"
out="${OUT:-$root/runs/bench-kickstart-pbt-$(date +%Y%m%d-%H%M%S)}"
cli=${ASTROMECH:-"$root/astromech"}
student="--set hidden=[32,32] --set activation=relu"
mkdir -p "$out"
declare -A sched=(
  [constant]="--lambda 1"
  [linear]="--lambda 1 --set kickstart_schedule=linear --set kickstart_decay_steps=50000"
  [exponential]="--lambda 1 --set kickstart_schedule=exponential --set kickstart_decay_steps=20000"
)
for name in constant linear exponential; do
  for s in ${seeds//,/ }; do
    [ -f "$out/$name-s$s/summary.json" ] && continue
    $cli train --algo ppo --env Acrobot-v1 --steps "$steps" --seed "$s" --out "$out/$name-s$s" --eval-episodes 100 --no-progress \
      $student --kickstart "$teacher" ${sched[$name]} > "$out/$name-s$s.log" 2>&1
  done
done
# The PBT config fixes total_steps (204,800 = 10 ready points); STEPS applies to the hand schedules only.
[ -f "$out/pbt/pbt_summary.json" ] || $cli pbt --config "${PBT_CONFIG:-$root/configs/pbt/ppo-Acrobot-v1-kickstart.json}" --kickstart "$teacher" --out "$out/pbt" > "$out/pbt.log" 2>&1 || true
python3 - "$out" "$cli" <<'PY'
import json, glob, os, sys, subprocess, statistics as st
out = sys.argv[1]
for name in ["constant", "linear", "exponential"]:
    runs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{name}-s*/summary.json"))]
    if not runs: continue
    print(f"{name:12s}: " + " | ".join(f"seed {r['seed']}: train100 {r['final_mean_return']:.2f} eval {r['eval_mean_return']:.2f}" for r in runs)
          + f" || mean eval {st.mean(r['eval_mean_return'] for r in runs):.2f}")
p = f"{out}/pbt/pbt_summary.json"
if os.path.exists(p):
    s = json.load(open(p))
    print(f"pbt: final member scores {[round(x, 2) for x in s['scores']]}, best member {s['best_member']} λ={s['best_hyperparameters']}")
    for m in sorted(glob.glob(f"{out}/pbt/member-*/summary.json")):
        r = json.load(open(m)); print(f"  {os.path.basename(os.path.dirname(m))}: train100 {r['final_mean_return']:.2f}")
    ev = subprocess.run(sys.argv[2].split() + ["eval", f"{s['best_dir']}/checkpoint.ckpt", "--episodes", "100"], capture_output=True, text=True).stdout
    print("  best member, 100 deterministic episodes:", ev.strip())
PY
