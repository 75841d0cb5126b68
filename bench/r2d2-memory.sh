#!/usr/bin/env bash
# Issue 4 (R2D2 paper reproduction, memory): R2D2 against feedforward DQN on the two memory envs, same env and
# env-step budget per env, one run after another (2 cores: no overlap).
#   CartPoleNoVelocity-v1: r2d2 with configs/r2d2/CartPoleNoVelocity-v1.json; dqn with configs/dqn/CartPole-v1.json
#                          (the Zoo-tuned CartPole preset) on the same env, its steps raised to the R2D2 budget.
#   TMaze-v0 (length 20):  r2d2 with configs/r2d2/TMaze-v0.json; dqn with configs/dqn/CartPole-v1.json likewise.
# Final evaluations over 100 deterministic episodes; TMaze also prints the success rate.
# Targets: CartPoleNoVelocity r2d2 eval ≥ 475 with dqn clearly below; TMaze r2d2 success ≥ 0.95, dqn ≈ 0.5.
# usage: bench/r2d2-memory.sh [SEEDS=0,1,2] [ALGOS="r2d2 dqn"] [ENVS="CartPoleNoVelocity-v1 TMaze-v0"]
# Set ASTROMECH="dotnet /path/Astromech.Cli.dll" to run a frozen build while the sources change; STEPS=N
# overrides the budget (a smoke test, not the comparison).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${1:-0,1,2}"; algos="${2:-r2d2 dqn}"; envs="${3:-CartPoleNoVelocity-v1 TMaze-v0}"
out="$root/runs/r2d2-memory-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
budget() { python3 -c "import json,re,sys; t=open(sys.argv[1]).read(); t=re.sub(r'^\s*//.*$','',t,flags=re.M); print(json.loads(t)['steps'])" "$root/configs/r2d2/$1.json"; }
for env_id in $envs; do
  steps="${STEPS:-$(budget "$env_id")}"
  for algo in $algos; do
    case "$algo" in
      r2d2) cfg="$root/configs/r2d2/$env_id.json" ;;
      dqn)  cfg="$root/configs/dqn/CartPole-v1.json" ;;
      *) echo "unknown algo $algo"; exit 2 ;;
    esac
    for s in ${seeds//,/ }; do
      run="$out/$algo-$env_id-s$s"
      ${ASTROMECH:-"$root/astromech"} train --config "$cfg" --env "$env_id" --steps "$steps" --eval-interval "$steps" \
        --eval-episodes 100 --seed "$s" --out "$run" --no-progress > "$run.log" 2>&1 \
        || { echo "$algo $env_id seed $s failed, see $run.log"; continue; }
      python3 - "$run/summary.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sr = d.get("eval_success_rate")
print(f"{d['algo']:5s} {d['env']:22s} seed {d['seed']}: eval {d['eval_mean_return']:.2f} ± {d['eval_std_return']:.2f} (100 episodes)"
      + (f", success {sr:.2f}" if sr is not None else "") + f" | {d['env_steps']} steps in {d['wall_seconds']:.0f} s")
PY
    done
  done
done
echo "runs in $out"
