#!/usr/bin/env bash
# Multi-teacher kickstarting on CartPoleMultiTask-v0 (issue 7): three CartPole variants behind one env (0 standard,
# 1 mirrored push, 2 long heavy pole; task id = observation feature 4). Trains one PPO teacher per task (the env with
# --env-arg task=k, CartPole-v1's tuned PPO hyperparameters, 64-64 tanh), then, per seed, a 32-32 ReLU PPO student on
# the mixed env for a fixed budget of env steps, from scratch and kickstarted from the three teachers with each state
# routed to its task's teacher (kickstart_tasks=[0,1,2], kickstart_task_index=4; default λ 1 → 0 linearly over the budget). Every policy is evaluated
# deterministically on each task separately (astromech eval --env-arg task=k); a student's normalized score on task k
# is its return divided by teacher k's return on task k, and the report gives the mean over tasks, per seed.
# usage: bench/kickstart-multitask.sh [SEEDS=1,2,3] [BUDGET=30000]
# Env vars: OUT (folder), TEACHER_STEPS (50000), EPISODES (evaluation episodes per task, 50), STUDENT, KICK, ASTROMECH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${1:-1,2,3}"; budget="${2:-30000}"
out="${OUT:-$root/runs/bench-kickstart-multitask-$(date +%Y%m%d-%H%M%S)}"
cli=${ASTROMECH:-"$root/astromech"}
env=CartPoleMultiTask-v0
base="--algo ppo --config $root/configs/ppo/CartPole-v1.json --env $env --no-progress --eval-episodes 20"
teacher_steps=${TEACHER_STEPS:-50000}
episodes=${EPISODES:-50}
student=${STUDENT:-"--set hidden=[32,32] --set activation=relu"}
kick=${KICK:-"--lambda 1 --set kickstart_schedule=linear --set kickstart_decay_steps=$budget"}
tasks="0 1 2"
mkdir -p "$out"
evaluate() { # checkpoint name → out/eval-name-task-k.json
  for k in $tasks; do
    [ -f "$out/eval-$2-task$k.json" ] || $cli eval "$1" --env-arg task=$k --episodes "$episodes" > "$out/eval-$2-task$k.json"
  done
}
teachers=""
for k in $tasks; do
  t="$out/teacher$k"
  [ -f "$t/checkpoint.ckpt" ] || $cli train $base --env-arg task=$k --steps "$teacher_steps" --seed 0 --out "$t" > "$out/teacher$k.log" 2>&1
  evaluate "$t/checkpoint.ckpt" teacher$k
  teachers="${teachers:+$teachers,}$t/checkpoint.ckpt"
done
for s in ${seeds//,/ }; do
  [ -f "$out/scratch-s$s/checkpoint.ckpt" ] || $cli train $base --steps "$budget" --seed "$s" --out "$out/scratch-s$s" $student > "$out/scratch-s$s.log" 2>&1
  evaluate "$out/scratch-s$s/checkpoint.ckpt" scratch-s$s
  [ -f "$out/kick-s$s/checkpoint.ckpt" ] || $cli train $base --steps "$budget" --seed "$s" --out "$out/kick-s$s" $student \
    --kickstart "$teachers" $kick --set kickstart_tasks=[0,1,2] --set kickstart_task_index=4 > "$out/kick-s$s.log" 2>&1
  evaluate "$out/kick-s$s/checkpoint.ckpt" kick-s$s
done
python3 - "$out" "$seeds" $tasks <<'PY'
import json, sys, os
out, seeds, tasks = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
ret = lambda name, k: json.load(open(os.path.join(out, f"eval-{name}-task{k}.json")))["mean_return"]
teacher = {k: ret(f"teacher{k}", k) for k in tasks}
print("teacher returns per task:", ", ".join(f"{k}: {teacher[k]:.2f}" for k in tasks))
for t in tasks:
    print(f"  teacher {t} on tasks {'/'.join(tasks)}: " + " / ".join(f"{ret(f'teacher{t}', k):.1f}" for k in tasks))
means = {"scratch": [], "kick": []}
for s in seeds:
    row = []
    for kind in means:
        r = [ret(f"{kind}-s{s}", k) for k in tasks]
        n = sum(r[i] / teacher[k] for i, k in enumerate(tasks)) / len(tasks)
        means[kind].append(n)
        row.append(f"{kind}: returns {' / '.join(f'{x:.1f}' for x in r)}, mean normalized {n:.3f}")
    print(f"seed {s}: " + "; ".join(row))
for kind, v in means.items():
    print(f"{kind}: mean normalized score over {len(v)} seeds {sum(v) / len(v):.3f} (per seed {', '.join(f'{x:.3f}' for x in v)})")
PY
