#!/usr/bin/env bash
# Where the CPU goes: runs Ape-X embedded (train) and as a cluster (cluster up), each for STEPS env steps with N
# actors, sampling every process's CPU time (utime + stime from /proc/PID/stat) once a second, and prints the CPU
# seconds each process used, per 1,000 env steps, by role. Processes are matched by command line (node --role X).
# usage: bench/cluster-cpu.sh [ACTORS=2] [STEPS=30000] [extra flags for both]
# Set ASTROMECH="dotnet /path/Astromech.Cli.dll" to run a frozen build while the sources change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-2}"; steps="${2:-30000}"; shift $(( $# < 2 ? $# : 2 ))
out="$root/runs/bench-cluster-cpu-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
cli=${ASTROMECH:-"$root/astromech"}
tck=$(getconf CLK_TCK)
sample() { # $1: file; appends "t pid role cpu_seconds" for every astromech process
  local t; t=$(date +%s.%N)
  for d in /proc/[0-9]*; do
    local cmd; cmd=$(tr '\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
    case "$cmd" in *Astromech.Cli.dll*|*astromech*) ;; *) continue ;; esac
    local role=train
    case "$cmd" in *"node "*"--role replay"*) role=replay ;; *"node "*"--role learner"*) role=learner ;; *"node "*"--role actor"*) role=actor ;;
      *"cluster up"*) role=cluster-up ;; *" train "*) role=train ;; *) continue ;; esac
    local st; st=$(cut -d' ' -f14,15 "$d/stat" 2>/dev/null) || continue
    echo "$t ${d#/proc/} $role $(echo "$st" | awk -v k="$tck" '{print ($1+$2)/k}')" >> "$1"
  done
}
for mode in embedded cluster; do
  if [ $mode = embedded ]; then
    $cli train --algo apex --env CartPole-v1 --actors "$n" --steps "$steps" --eval-episodes 10 --eval-interval 0 --no-progress \
      --out "$out/$mode" "$@" > "$out/$mode.log" 2>&1 &
  else
    $cli cluster up --algo apex --env CartPole-v1 --actors "$n" --steps "$steps" --eval-episodes 10 --eval-interval 0 \
      --out "$out/$mode" "$@" > "$out/$mode.log" 2>&1 &
  fi
  pid=$!
  start=$(date +%s.%N)
  while kill -0 $pid 2>/dev/null; do sample "$out/$mode.cpu"; sleep 1; done
  wait $pid || echo "$mode exited non-zero, see $out/$mode.log"
  echo "$start $(date +%s.%N)" > "$out/$mode.wall"
done
python3 - "$out" "$steps" <<'PY'
import sys, os, collections
out, steps = sys.argv[1], int(sys.argv[2])
for mode in ("embedded", "cluster"):
    last = {}
    for line in open(os.path.join(out, mode + ".cpu")):
        t, pid, role, cpu = line.split(); last[pid] = (role, float(cpu))
    start, end = map(float, open(os.path.join(out, mode + ".wall")).read().split())
    by = collections.defaultdict(float); count = collections.Counter()
    for role, cpu in last.values(): by[role] += cpu; count[role] += 1
    total = sum(by.values())
    parts = ", ".join(f"{r} ×{count[r]} {c:.1f} s ({1000 * c / steps:.2f} s per 1k steps)" for r, c in sorted(by.items()))
    print(f"{mode:8s}: wall {end - start:.1f} s, CPU {total:.1f} s ({1000 * total / steps:.2f} s per 1k steps; {total / (end - start):.2f} cores busy) | {parts}")
print("runs in", out)
PY
