#!/usr/bin/env bash
# AWAC against its baselines on one env, offline then online (issue 15):
#   1. a "medium" policy: SAC stopped early (MEDIUM_STEPS), about a third of expert return on Pendulum-v1;
#   2. a dataset: EPISODES noisy rollouts of it (dataset awac-prior --bc-episodes 0; σ = 0.1 of the half-range);
#   3. per seed: BC offline only; AWAC, OFF offline updates then ON env steps; SAC from data (the same dataset
#      preloaded, the same OFF updates, learning_starts 0: naive off-policy fine-tuning); SAC from scratch, ON steps;
#   4. two figures, mean over seeds with the min–max band: offline.png (AWAC vs BC during the offline phase) and
#      online.png (AWAC, SAC from data, SAC from scratch; the offline phase at steps < 0, the switch at 0),
#      and the tables behind them (offline.csv, online.csv).
# Usage: bench/awac.sh [OUT_DIR]; ENV, SEEDS, OFF, ON, MEDIUM_STEPS, EPISODES, EVAL_INTERVAL, JOBS, NET override the defaults.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="${ASTROMECH:-$root/astromech}"
out="${1:-$root/bench/runs/awac}"
env_id="${ENV:-Pendulum-v1}"
seeds="${SEEDS:-0 1 2}"
off="${OFF:-3000}"
on="${ON:-5000}"
medium_steps="${MEDIUM_STEPS:-2500}"
episodes="${EPISODES:-50}"
ei="${EVAL_INTERVAL:-500}"
jobs="${JOBS:-3}"
net="${NET:-}"   # e.g. NET='[64,64]' to shrink every learner's networks (the medium policy keeps its preset)
extra=(); [ -n "$net" ] && extra=(--set "net_arch=$net")
mkdir -p "$out"
run() { nice -n 10 $cli "$@" --no-progress; }

if [ ! -f "$out/medium/checkpoint.ckpt" ]; then
  run train --algo sac --env "$env_id" --steps "$medium_steps" --seed 100 --eval-episodes 20 --out "$out/medium" > "$out/medium.log"
fi
if [ ! -f "$out/medium.hdf5" ]; then
  nice -n 10 $cli dataset awac-prior --checkpoint "$out/medium/checkpoint.ckpt" --demos "$episodes" --demo-noise 0.1 --bc-episodes 0 --seed 7 --out "$out/medium.hdf5" > "$out/dataset.log"
fi
cat "$out/dataset.log"

one() { # name seed args...
  local name="$1" seed="$2"; shift 2
  [ -f "$out/$name-s$seed/summary.json" ] && return 0
  run train --env "$env_id" --seed "$seed" --eval-interval "$ei" --eval-episodes 10 --out "$out/$name-s$seed" "${extra[@]}" "$@" > "$out/$name-s$seed.log" 2>&1
}
pids=()
for s in $seeds; do
  for spec in "bc --algo bc --dataset $out/medium.hdf5 --offline-steps $off --steps 0" \
              "awac --algo awac --dataset $out/medium.hdf5 --offline-steps $off --steps $on" \
              "sacdata --algo sac --dataset $out/medium.hdf5 --offline-steps $off --steps $on --set learning_starts=0" \
              "sac --algo sac --steps $on"; do
    # shellcheck disable=SC2086
    one ${spec%% *} "$s" ${spec#* } &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 2; done
  done
done
for p in "${pids[@]}"; do wait "$p"; done

dirs() { local d=""; for s in $seeds; do d="$d${d:+,}$out/$1-s$s"; done; echo "$d"; }
$cli plot seeds --series "AWAC=$(dirs awac)" --series "BC=$(dirs bc)" --metric eval/offline_mean_return \
  --title "$env_id: offline phase ($off updates on the medium dataset)" --out "$out/offline.png" > "$out/offline.csv"
$cli plot seeds --series "AWAC=$(dirs awac)" --series "SAC from data=$(dirs sacdata)" --series "SAC from scratch=$(dirs sac)" --switch \
  --title "$env_id: $off offline updates, then $on env steps online" --out "$out/online.png" > "$out/online.csv"
cat "$out/offline.csv" "$out/online.csv"
