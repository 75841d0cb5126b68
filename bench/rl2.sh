#!/usr/bin/env bash
# RL2 against the paper's tables: trains rl2 with the preset for each family and seed, then meta-evaluates each final
# checkpoint on held-out tasks beside the baselines. Usage: bench/rl2.sh [SEEDS=0] [ROWS="Bandit-k5:10 Bandit-k10:10"] [TASKS=20000]
# A row is ENV:TRIAL_EPISODES. Runs go to bench/runs/rl2/ENV-nN-sS. Long: about 12 min per bandit row on 2 shared cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${1:-0}"; rows="${2:-Bandit-k5:10 Bandit-k10:10}"; tasks="${3:-20000}"
for row in $rows; do
  env="${row%%:*}"; n="${row##*:}"
  for s in ${seeds//,/ }; do
    out="$root/bench/runs/rl2/$env-n$n-s$s"
    nice -n 10 "$root/astromech" train --algo rl2 --env "$env" --set trial_episodes="$n" --seed "$s" --no-progress --out "$out"
    nice -n 10 "$root/astromech" meta eval "$out/checkpoint.ckpt" --tasks "$tasks" --out "$out/meta"
  done
done
