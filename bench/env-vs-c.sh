#!/usr/bin/env bash
# Vector-env throughput against a plain C loop doing the same float64 CartPole physics, in one run.
# usage: bench/env-vs-c.sh [N_ENVS] [TOTAL_STEPS]   (defaults 64 and 100M)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-64}"; steps="${2:-100000000}"
mkdir -p "$root/.artifacts"
gcc -O2 -o "$root/.artifacts/cartpole_loop" "$root/bench/c/cartpole_loop.c" -lm
c=$("$root/.artifacts/cartpole_loop" "$n" "$steps")
cs=$("$root/astromech" bench env CartPole-v1 --envs "$n" --steps "$steps")
echo "$c"
echo "$cs"
python3 - "$c" "$cs" <<'PY' 2>/dev/null || true
import json, sys
c, cs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"ratio_csharp_over_c": round(cs["steps_per_second"] / c["steps_per_second"], 3)}))
PY
