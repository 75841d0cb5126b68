#!/usr/bin/env bash
# PBT-scheduled λ vs hand schedules (issue 7), PPO student (32-32 ReLU) kickstarted from a PPO teacher on Acrobot-v1.
# Hand schedules, each over SEEDS at STEPS env steps: constant λ = 1, linear 1 → 0 over 50k, exponential halving every
# 20k. Then one PBT run of PBT_CONFIG per seed in PBT_SEEDS (the config's "seed" replaced), each member STEPS-long
# (the config fixes total_steps; 204,800 = 10 ready points of 20,480).
# Comparison: every final checkpoint (hand runs, every PBT member, the teacher) is evaluated deterministically on the
# SAME episodes: EVAL_EPISODES (default 500) from EVAL_SEED (default 777), and on astromech eval's default 100 episodes
# (seed 12345). PBT's entry is the member pbt_summary.json names (chosen without these episodes): the one its last ready
# point ranked best or, with final_eval_episodes in the config, the best on its own held-out episodes (then the last
# ready point's pick is printed too). The population mean, the median λ of the population in each slice, and Welch's
# t-test of PBT's entries against each hand schedule (per-seed eval500 values) are printed too. A hand run's own final
# evaluation (100 episodes from seed + 1,000,003, different for each run) is printed as "own100" (the protocol of the
# first measurements in bench/README.md).
# usage: bench/kickstart-pbt.sh TEACHER.ckpt [SEEDS=1,2,3] [STEPS=204800]
# Env vars: OUT (folder; finished runs in it are skipped), PBT_CONFIG (default configs/pbt/ppo-Acrobot-v1-kickstart-pop8.json),
# PBT_SEEDS (default 0,1,2), EVAL_EPISODES, EVAL_SEED, ASTROMECH (the CLI command; default ./astromech).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
teacher="$1"; seeds="${2:-1,2,3}"; steps="${3:-204800}"
out="${OUT:-$root/runs/bench-kickstart-pbt-$(date +%Y%m%d-%H%M%S)}"
cli=${ASTROMECH:-"$root/astromech"}
pbt_config="${PBT_CONFIG:-$root/configs/pbt/ppo-Acrobot-v1-kickstart-pop8.json}"
pbt_seeds="${PBT_SEEDS:-0,1,2}"
student="--set hidden=[32,32] --set activation=relu"
mkdir -p "$out"
declare -A sched=(
  [constant]="--lambda 1"
  [linear]="--lambda 1 --set kickstart_schedule=linear --set kickstart_decay_steps=50000"
  [exponential]="--lambda 1 --set kickstart_schedule=exponential --set kickstart_decay_steps=20000"
)
for name in constant linear exponential; do
  for s in ${seeds//,/ }; do
    [ -f "$out/$name-s$s/summary.json" ] && continue
    $cli train --algo ppo --env Acrobot-v1 --steps "$steps" --seed "$s" --out "$out/$name-s$s" --eval-episodes 100 --no-progress \
      $student --kickstart "$teacher" ${sched[$name]} > "$out/$name-s$s.log" 2>&1
  done
done
tag="$(basename "$pbt_config" .json)"
for s in ${pbt_seeds//,/ }; do
  dir="$out/$tag-s$s"
  [ -f "$dir/pbt_summary.json" ] && continue
  sed -E "s/^(\s*)\"seed\": *-?[0-9]+/\1\"seed\": $s/" "$pbt_config" > "$out/$tag-s$s.json"
  grep -q "\"seed\": $s" "$out/$tag-s$s.json" || { echo "$pbt_config has no top-level \"seed\" line to replace" >&2; exit 1; }
  $cli pbt --config "$out/$tag-s$s.json" --kickstart "$teacher" --out "$dir" > "$dir.log" 2>&1
done
python3 - "$out" "$cli" "$teacher" "$tag" "${EVAL_EPISODES:-500}" "${EVAL_SEED:-777}" <<'PY'
import json, glob, os, sys, subprocess, statistics as st, csv, math
out, cli, teacher, tag, n, seed = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
def betai(x, a, b):  # regularized incomplete beta (continued fraction), for Student's t
    if x <= 0: return 0.0
    if x >= 1: return 1.0
    if x > (a + 1) / (a + b + 2): return 1 - betai(1 - x, b, a)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    f, c, d = 1.0, 1.0, 0.0
    for i in range(401):
        m = i // 2
        num = 1.0 if i == 0 else (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)) if i % 2 == 0 else -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)))
        d = 1 + num * d; d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1 + num / c if abs(c) > 1e-300 else 1e-300
        f *= c * d
        if abs(1 - c * d) < 1e-12: break
    return front * (f - 1) / a
def welch(a, b):  # t, df, two-sided p of mean(a) - mean(b)
    va, vb = st.variance(a) / len(a), st.variance(b) / len(b)
    t = (st.mean(a) - st.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return t, df, betai(df / (df + t * t), df / 2, 0.5)
hand = {}
def ev(ckpt, episodes, s):
    r = subprocess.run(cli + ["eval", ckpt, "--episodes", str(episodes), "--seed", str(s)], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["mean_return"]
def both(ckpt): return ev(ckpt, n, seed), ev(ckpt, 100, 12345)
t = both(teacher)
print(f"teacher: eval{n} {t[0]:.2f} eval100 {t[1]:.2f}")
for name in ["constant", "linear", "exponential"]:
    runs = sorted(glob.glob(f"{out}/{name}-s*/summary.json"))
    if not runs: continue
    rows = []
    for f in runs:
        r = json.load(open(f)); c = both(os.path.join(os.path.dirname(f), "checkpoint.ckpt"))
        rows.append((r["seed"], r["eval_mean_return"], *c))
    hand[name] = [r[2] for r in rows]
    print(f"{name:12s}: " + " | ".join(f"seed {s}: own100 {o:.2f} eval{n} {a:.2f} eval100 {b:.2f}" for s, o, a, b in rows)
          + f" || mean own100 {st.mean(r[1] for r in rows):.2f} eval{n} {st.mean(r[2] for r in rows):.2f} eval100 {st.mean(r[3] for r in rows):.2f}")
best_a, best_b, pop_a, last_a = [], [], [], []
for d in sorted(glob.glob(f"{out}/{tag}-s*/")):
    p = os.path.join(d, "pbt_summary.json")
    if not os.path.exists(p): continue
    s = json.load(open(p))
    members = sorted(glob.glob(os.path.join(d, "member-*", "checkpoint.ckpt")))
    evs = {m: both(m) for m in members}
    b = evs[os.path.join(d, f"member-{s['best_member']}", "checkpoint.ckpt")]
    lrb = s.get("last_ready_point_best_member", s["best_member"])
    lr = evs[os.path.join(d, f"member-{lrb}", "checkpoint.ckpt")]
    trace = list(csv.DictReader(open(os.path.join(d, "pbt_trace.csv"))))
    gens = sorted({int(r["generation"]) for r in trace})
    med = [st.median(float(r["kickstart_lambda"]) for r in trace if int(r["generation"]) == g) for g in gens]
    final_lam = sorted(float(r["kickstart_lambda"]) for r in trace if int(r["generation"]) == gens[-1])
    pm = st.mean(v[0] for v in evs.values())
    best_a.append(b[0]); best_b.append(b[1]); pop_a.append(pm); last_a.append(lr[0])
    how = (f"chosen on {s['final_eval_episodes']} held-out episodes (seed {s['final_eval_seed']}), score {s['best_score']:.2f}; "
           f"the last ready point ranked member {lrb} first: eval{n} {lr[0]:.2f}" if s.get("selection") == "final_eval"
           else f"last ready-point score {s['best_score']:.2f}")
    print(f"pbt {os.path.basename(d.rstrip('/'))}: best member {s['best_member']} (λ {s['best_hyperparameters']['kickstart_lambda']:.3g}, "
          f"{how}): eval{n} {b[0]:.2f} eval100 {b[1]:.2f}; population mean eval{n} {pm:.2f}; "
          f"members eval{n} {[round(v[0], 2) for v in evs.values()]}; final λ {[round(x, 3) for x in final_lam]}")
    print(f"    median λ per slice: {', '.join(f'{x:.2g}' for x in med)}")
if best_a:
    print(f"pbt mean over {len(best_a)} runs: best member eval{n} {st.mean(best_a):.2f} eval100 {st.mean(best_b):.2f}; population eval{n} {st.mean(pop_a):.2f}; "
          f"last ready point's pick eval{n} {st.mean(last_a):.2f}")
    for name, h in hand.items():
        if len(best_a) > 1 and len(h) > 1:
            t, df, p = welch(best_a, h)
            print(f"pbt best member vs {name}: {st.mean(best_a) - st.mean(h):+.2f} (Welch t {t:.2f}, df {df:.1f}, p {p:.3f})")
PY
