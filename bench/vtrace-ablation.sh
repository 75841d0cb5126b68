#!/usr/bin/env bash
# IMPALA with and without the V-trace correction at the same, deliberately large policy lag: actors pull new
# parameters only every 32 unrolls (param_sync_interval), and the learning rate is raised to 3e-3 so the
# policy moves far between pulls. Prints both seed tables; the policy lag of each run is in its summary.json
# under agent_stats.
# usage: bench/vtrace-ablation.sh [SEEDS=0,1,2,3,4] [SYNC=32] [LR=0.003] [MAX_GRAD_NORM=40]
# (max_grad_norm 40, i.e. effectively unclipped, is what the published ablation ran with; the preset now clips at 0.5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${1:-0,1,2,3,4}"; sync="${2:-32}"; lr="${3:-0.003}"; clip="${4:-40}"
for v in true false; do
  echo "== vtrace=$v (param_sync_interval=$sync, learning_rate=$lr, max_grad_norm=$clip)"
  "$root/bench/seeds.sh" impala CartPole-v1 "$seeds" --set vtrace=$v --set param_sync_interval=$sync --set learning_rate=$lr --set max_grad_norm=$clip
done
