#!/usr/bin/env bash
# Trains DQN on one env for several seeds with the shipped preset (or --config FILE as the third
# argument) and prints one line per seed from summary.json, then how many reached the threshold.
# usage: bench/dqn-seeds.sh ENV_ID [SEEDS=5] [CONFIG] [EVAL_INTERVAL=5000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_id="$1"; seeds="${2:-5}"; config="${3:-}"; interval="${4:-5000}"
out="$root/runs/bench-dqn-$(echo "$env_id" | tr / _)-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
for s in $(seq 1 "$seeds"); do
  args=(train --algo dqn --env "$env_id" --seed "$s" --eval-interval "$interval" --out "$out/s$s" --no-progress)
  [ -n "$config" ] && args+=(--config "$config")
  "$root/astromech" "${args[@]}" > "$out.s$s.log" 2>&1 || { echo "seed $s failed, see $out.s$s.log"; continue; }
  python3 -c "import json; d=json.load(open('$out/s$s/summary.json')); print('seed', d['seed'], 'final_mean_return', d['final_mean_return'], 'solved_at_step', d['solved_at_step'], 'eval_mean_return', d['eval_mean_return'], 'eval_solved_at_step', d['eval_solved_at_step'], 'wall_seconds', d['wall_seconds'])"
done
