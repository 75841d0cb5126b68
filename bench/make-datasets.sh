#!/usr/bin/env bash
# Makes D4RL's quality levels for one env with the astromech CLI alone (nothing is downloaded):
#   random         uniform random actions
#   expert         a SAC policy trained to the env's usual budget, acting deterministically
#   medium         a second SAC run (another seed) evaluated as it trains until it reaches random + (expert − random)/3
#                  (retrying in finer steps from the previous checkpoint when one step jumps past halfway); the
#                  evaluated checkpoint nearest that target is the medium policy,
#                  i.e. about a third of the way from random to expert return (D4RL's "medium": a policy trained to
#                  about a third of expert performance), acting deterministically
#   medium-replay  the SAC replay in that checkpoint (every step the medium run took up to it)
#   medium-expert  medium then expert, concatenated
# Every dataset is checked against the env (dataset info --env) and its statistics are collected in
# OUT/datasets.jsonl (one JSON line per dataset) and OUT/datasets.md (a table).
# usage: bench/make-datasets.sh ENV_ID [OUT_DIR] [--layout d4rl|minari]
#   ENV_ID: Pendulum-v1 or InvertedPendulum-v5 (budgets below); HalfCheetah-v5 is listed with SAC's 1M-step budget,
#   which does not fit these machines (docs/datasets.md has the measured speed).
# Environment: EPISODES (per recorded dataset; default per env), SEED (default 0), ASTROMECH (the CLI command).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_id="${1:?usage: bench/make-datasets.sh ENV_ID [OUT_DIR] [--layout d4rl|minari]}"
out="${2:-$root/runs/datasets-$(echo "$env_id" | tr / _)}"
layout="d4rl"
if [ "${3:-}" = "--layout" ]; then layout="${4:?--layout needs d4rl or minari}"; fi
ext=$([ "$layout" = d4rl ] && echo .hdf5 || echo "")
cli=${ASTROMECH:-"$root/astromech"}
seed="${SEED:-0}"

# expert_steps: SAC's training budget (Pendulum: half the zoo's 20k, SAC's evaluations are near −150 from ~6k steps on;
# InvertedPendulum: 10k, to fit the 20-minute limit of a run on these machines); medium_first / medium_step: where the medium run's checks start and how far apart.
case "$env_id" in
  Pendulum-v1)          expert_steps=10000;   medium_first=1000;  medium_step=500;   episodes=${EPISODES:-100}; sac=() ;;
  InvertedPendulum-v5)  expert_steps=10000;   medium_first=1000;  medium_step=500;   episodes=${EPISODES:-50};  sac=(--set learning_rate=1e-3) ;;
  HalfCheetah-v5)       expert_steps=1000000; medium_first=20000; medium_step=10000; episodes=${EPISODES:-100}; sac=() ;;
  *) echo "make-datasets: no budget for $env_id (Pendulum-v1, InvertedPendulum-v5, HalfCheetah-v5)" >&2; exit 2 ;;
esac
mkdir -p "$out"
log="$out/make-datasets.log"
: > "$out/datasets.jsonl"
echo "make-datasets: $env_id into $out (log: $log)"
t0=$(date +%s)

evaluate() { # CHECKPOINT → mean return of 10 deterministic episodes
  $cli eval "$1" --episodes 10 --seed 999 2>>"$log" | jq -r .mean_return
}
record() { # NAME then record flags
  local name="$1"; shift
  $cli dataset record "$@" --layout "$layout" --seed "$seed" --out "$out/$name$ext" >>"$log" 2>&1
  $cli dataset info "$out/$name$ext" --env "$env_id" | jq -c --arg name "$name" '{name: $name, episodes, steps, return_mean, return_std, return_min, return_max, d4rl_normalized_score_mean, policy}' | tee -a "$out/datasets.jsonl"
}

# 1. expert
# (checkpoints every 2000 steps: a run that was stopped is resumed where its last checkpoint left it)
if [ ! -f "$out/expert-run/summary.json" ]; then
  resume=()
  [ -f "$out/expert-run/checkpoint.ckpt" ] && resume=(--resume "$out/expert-run/checkpoint.ckpt")
  $cli train --algo sac --env "$env_id" --steps "$expert_steps" --seed "$seed" --out "$out/expert-run" --no-progress \
    --checkpoint-interval 2000 "${resume[@]}" "${sac[@]}" >>"$log" 2>&1
fi
expert_return=$(evaluate "$out/expert-run/checkpoint.ckpt")
echo "expert SAC after $expert_steps steps: eval mean return $expert_return"

# 2. random (its return is the bottom of the medium target)
record random --policy random --env "$env_id" --episodes "$episodes"
random_return=$(jq -r 'select(.name == "random") | .return_mean' "$out/datasets.jsonl")
target=$(jq -n --argjson r "$random_return" --argjson e "$expert_return" '$r + ($e - $r) / 3')
echo "medium target: random $random_return + (expert $expert_return − random)/3 = $target"

# 3. medium: another seed, extended in steps of medium_step and evaluated after each, until an evaluation reaches the
# target; the medium policy is the evaluated checkpoint whose return was nearest the target. SAC can jump far past it
# within one step (Pendulum: −1120 to −333 in 500 steps), so an evaluation beyond halfway from random to expert goes
# back to the previous checkpoint and advances in fifths of the step, down to steps of 20. The retry does not retrace
# the first path (each resume starts a fresh episode, so the env steps differ); it gives more, closer chances. Each
# resume's cut episode shows in the medium-replay data as an episode ended by a timeout there.
rm -rf "$out/medium-run"
steps=$medium_first
medium_seed=$((seed + 1))
ceiling=$(jq -n --argjson r "$random_return" --argjson e "$expert_return" '$r + ($e - $r) / 2')
$cli train --algo sac --env "$env_id" --steps "$steps" --seed "$medium_seed" --out "$out/medium-run" --no-progress --eval-interval 0 "${sac[@]}" >>"$log" 2>&1
prev_steps=0
best_gap=""
while true; do
  medium_return=$(evaluate "$out/medium-run/checkpoint.ckpt")
  echo "medium run at $steps steps: eval mean return $medium_return"
  gap=$(jq -n --argjson m "$medium_return" --argjson t "$target" '($m - $t) | fabs')
  if [ -z "$best_gap" ] || jq -ne --argjson g "$gap" --argjson b "$best_gap" '$g < $b' >/dev/null; then
    best_gap=$gap; best_steps=$steps; best_return=$medium_return
    cp "$out/medium-run/checkpoint.ckpt" "$out/medium-run/checkpoint.medium.ckpt"
  fi
  if jq -ne --argjson m "$medium_return" --argjson t "$target" '$m >= $t' >/dev/null || [ "$steps" -ge "$expert_steps" ]; then
    if [ "$prev_steps" -gt 0 ] && [ "$medium_step" -ge 100 ] && jq -ne --argjson m "$medium_return" --argjson c "$ceiling" '$m > $c' >/dev/null; then
      medium_step=$((medium_step / 5))
      echo "  past halfway ($ceiling): back to $prev_steps steps, now in steps of $medium_step"
      cp "$out/medium-run/checkpoint.prev.ckpt" "$out/medium-run/checkpoint.ckpt"
      steps=$prev_steps
    else
      break
    fi
  else
    cp "$out/medium-run/checkpoint.ckpt" "$out/medium-run/checkpoint.prev.ckpt"
    prev_steps=$steps
  fi
  steps=$((steps + medium_step))
  $cli train --algo sac --env "$env_id" --steps "$steps" --seed "$medium_seed" --out "$out/medium-run" --no-progress --eval-interval 0 \
    --resume "$out/medium-run/checkpoint.ckpt" "${sac[@]}" >>"$log" 2>&1
done
steps=$best_steps; medium_return=$best_return
echo "medium policy: the checkpoint at $steps steps, eval mean return $medium_return (target $target)"

# 4. the datasets of the trained policies
record medium --checkpoint "$out/medium-run/checkpoint.medium.ckpt" --episodes "$episodes"
record medium-replay --from-replay "$out/medium-run/checkpoint.medium.ckpt"
record expert --checkpoint "$out/expert-run/checkpoint.ckpt" --episodes "$episodes"
$cli dataset concat "$out/medium$ext" "$out/expert$ext" --layout "$layout" --out "$out/medium-expert$ext" >>"$log" 2>&1
$cli dataset info "$out/medium-expert$ext" --env "$env_id" | jq -c '{name: "medium-expert", episodes, steps, return_mean, return_std, return_min, return_max, d4rl_normalized_score_mean, policy}' | tee -a "$out/datasets.jsonl"

{
  echo "| dataset | episodes | steps | return mean ± std | min | max |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  jq -r '"| \(.name) | \(.episodes) | \(.steps) | \(.return_mean * 10 | round / 10) ± \(.return_std * 10 | round / 10) | \(.return_min * 10 | round / 10) | \(.return_max * 10 | round / 10) |"' "$out/datasets.jsonl"
  echo
  echo "$env_id, seed $seed, layout $layout: expert SAC $expert_steps steps (eval $expert_return), medium SAC $steps steps (eval $medium_return, target $target); $(( $(date +%s) - t0 )) s in all."
} > "$out/datasets.md"
cat "$out/datasets.md"
