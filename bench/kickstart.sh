#!/usr/bin/env bash
# Kickstarting on Acrobot-v1 (issue 7): trains a PPO teacher with the shipped preset, then a student with a different
# network (separate 32-32 ReLU torsos instead of the teacher's 64-64 tanh) over several seeds in three ways, one run
# after another: from scratch, kickstarted (λ schedule given by $KICK, default linear 1 → 0 over 50k steps), and pure
# distillation (rl_loss_weight 0). Reports, per run, the first env step at which the mean of the last 100 training
# episodes reached the teacher's own final 100-episode training mean, the final training mean and the final
# deterministic evaluation, and the ratio kickstarted/scratch of the steps-to-target.
# usage: bench/kickstart.sh [SEEDS=1,2,3] [STEPS=100000]
# Env vars: OUT (folder), STUDENT (extra --set flags for the student), KICK (kickstart flags), ASTROMECH (CLI command).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${1:-1,2,3}"; steps="${2:-100000}"
out="${OUT:-$root/runs/bench-kickstart-$(date +%Y%m%d-%H%M%S)}"
cli=${ASTROMECH:-"$root/astromech"}
student=${STUDENT:-"--set hidden=[32,32] --set activation=relu"}
kick=${KICK:-"--lambda 1 --set kickstart_schedule=linear --set kickstart_decay_steps=50000"}
mkdir -p "$out"
teacher="$out/teacher"
if [ ! -f "$teacher/checkpoint.ckpt" ]; then
  $cli train --algo ppo --env Acrobot-v1 --seed 0 --out "$teacher" --eval-episodes 100 --no-progress > "$out/teacher.log" 2>&1
fi
for s in ${seeds//,/ }; do
  $cli train --algo ppo --env Acrobot-v1 --steps "$steps" --seed "$s" --out "$out/scratch-s$s" --eval-episodes 100 --no-progress $student > "$out/scratch-s$s.log" 2>&1
  $cli train --algo ppo --env Acrobot-v1 --steps "$steps" --seed "$s" --out "$out/kick-s$s" --eval-episodes 100 --no-progress $student \
    --kickstart "$teacher/checkpoint.ckpt" $kick > "$out/kick-s$s.log" 2>&1
  $cli train --algo ppo --env Acrobot-v1 --steps "$steps" --seed "$s" --out "$out/distill-s$s" --eval-episodes 100 --no-progress $student \
    --kickstart "$teacher/checkpoint.ckpt" --lambda 1 --set rl_loss_weight=0 > "$out/distill-s$s.log" 2>&1
done
python3 "$root/bench/kickstart_report.py" "$out"
