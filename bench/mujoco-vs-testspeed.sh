#!/usr/bin/env bash
# One-thread MuJoCo throughput: our env (astromech bench env, random actions, autoreset) against MuJoCo's own
# mujoco-testspeed (Debian package libmujoco-samples) on the same MJCF file. Our env step is frame_skip mj_steps,
# so the comparison is per mj_step. Runs each side twice, alternating, and keeps the best of each (the machine is
# shared; ratios from one run are more telling than absolute numbers).
# usage: bench/mujoco-vs-testspeed.sh [ENV_ID] [ENV_STEPS]      (defaults HalfCheetah-v5 and 100000)
# needs: apt-get install libmujoco2.2.2 libmujoco-samples
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
id="${1:-HalfCheetah-v5}"; steps="${2:-100000}"
case "$id" in
  HalfCheetah-v5) xml=half_cheetah.xml; skip=5 ;;
  Hopper-v5) xml=hopper.xml; skip=4 ;;
  Walker2d-v5) xml=walker2d.xml; skip=4 ;;
  Ant-v5) xml=ant.xml; skip=5 ;;
  InvertedPendulum-v5) xml=inverted_pendulum.xml; skip=2 ;;
  *) echo "no MJCF mapping for $id" >&2; exit 2 ;;
esac
model="$root/src/Astromech.Envs/MuJoCo/Assets/$xml"
command -v mujoco-testspeed >/dev/null || { echo "mujoco-testspeed not found: apt-get install libmujoco-samples" >&2; exit 2; }
mj_steps=$((steps * skip))
best_ts=0; best_env=0
for round in 1 2; do
  # testspeed: nstep, 1 thread, control noise 0.5 (our bench drives the motors with uniform random actions)
  ts=$(mujoco-testspeed "$model" "$mj_steps" 1 0.5 | sed -n 's/.*Steps per second *: *\([0-9.]*\).*/\1/p')
  env=$("$root/astromech" bench env "$id" --envs 1 --steps "$steps" | sed -n 's/.*"steps_per_second":\([0-9.]*\).*/\1/p')
  echo "round $round: mujoco-testspeed $ts mj_steps/s; astromech $id $env env steps/s = $(awk -v e="$env" -v k="$skip" 'BEGIN{print e*k}') mj_steps/s"
  best_ts=$(awk -v a="$best_ts" -v b="$ts" 'BEGIN{print (b>a)?b:a}')
  best_env=$(awk -v a="$best_env" -v b="$env" 'BEGIN{print (b>a)?b:a}')
done
awk -v ts="$best_ts" -v env="$best_env" -v k="$skip" -v id="$id" -v xml="$xml" 'BEGIN{
  printf "{\"env\":\"%s\",\"model\":\"%s\",\"frame_skip\":%d,\"testspeed_mj_steps_per_second\":%.0f,\"env_steps_per_second\":%.0f,\"env_mj_steps_per_second\":%.0f,\"testspeed_over_env\":%.3f}\n", id, xml, k, ts, env, env*k, ts/(env*k) }'
