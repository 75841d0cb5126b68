#!/usr/bin/env bash
# Trains DQN with the shipped MinAtar preset (configs/dqn/MinAtar/<GAME>-<VERSION>.json: Young & Tian 2019's setup)
# on one game for a fixed frame budget and prints the return reached and the frames/s, beside the paper's DQN
# return at 5M frames (read off its learning curves). ε still decays over the first 100k frames whatever the budget.
# usage: bench/minatar-dqn.sh GAME FRAMES [extra astromech train flags...]
#   GAME: Asterix | Breakout | Freeway | Seaquest | SpaceInvaders;  VERSION=v0 (all 6 actions, as the paper) or v1 (default)
# Set ASTROMECH="dotnet /path/Astromech.Cli.dll" to run a frozen build while the sources change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 2 ] || { sed -n 2,7p "$0"; exit 2; }
game="$1"; frames="$2"; shift 2
version="${VERSION:-v1}"
case "$game" in
  Asterix) paper=17 ;; Breakout) paper=10 ;; Freeway) paper=50 ;; Seaquest) paper=20 ;; SpaceInvaders) paper=43 ;;
  *) echo "unknown game '$game' (Asterix, Breakout, Freeway, Seaquest, SpaceInvaders)" >&2; exit 2 ;;
esac
env_id="MinAtar/$game-$version"
frac=$(python3 -c "print(min(1.0, 100000 / $frames))")
out="$root/runs/minatar-dqn-$game-$version-$frames-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$root/runs"
echo "training dqn on $env_id for $frames frames (exploration_fraction $frac), output in $out"
${ASTROMECH:-"$root/astromech"} train --algo dqn --env "$env_id" --steps "$frames" --out "$out" --no-progress \
  --set "exploration_fraction=$frac" "$@" > "$out.log" 2>&1 || { tail -20 "$out.log"; exit 1; }
python3 - "$out" "$paper" <<'PY'
import csv, json, sys
out, paper = sys.argv[1], float(sys.argv[2])
d = json.load(open(out + "/summary.json"))
rows = list(csv.DictReader(open(out + "/episodes.csv")))
print(f"{d['env']}: {d['env_steps']} frames in {d['wall_seconds']:.0f} s = {d['steps_per_second']:.0f} frames/s, {d['episodes']} episodes")
print(f"  mean return of the last 100 training episodes: {d['final_mean_return']}")
print(f"  evaluation ({d['eval_episodes']} episodes, greedy): {d['eval_mean_return']:.2f} ± {d['eval_std_return']:.2f}")
print(f"  paper's DQN at 5M frames: ≈{paper:g}")
PY
