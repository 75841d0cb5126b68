"""Summarizes bench/kickstart.sh's runs: steps to the teacher's score, final scores, and the kickstarted/scratch ratio."""
import csv, glob, json, os, sys
from collections import deque

out = sys.argv[1]
teacher = json.load(open(os.path.join(out, "teacher", "summary.json")))
target = teacher["final_mean_return"]
print(f"teacher: final 100-episode training mean {target:.2f}, evaluation {teacher['eval_mean_return']:.2f} over {teacher['eval_episodes']} episodes")

def steps_to(run, target, window=100):
    q, s = deque(), 0.0
    with open(os.path.join(run, "episodes.csv")) as f:
        for row in csv.DictReader(f):
            r = float(row["return"]); q.append(r); s += r
            if len(q) > window: s -= q.popleft()
            if len(q) == window and s / window >= target: return int(row["step"])
    return None

rows = {}
for run in sorted(glob.glob(os.path.join(out, "*-s*"))):
    if not os.path.isfile(os.path.join(run, "summary.json")): continue
    kind, seed = os.path.basename(run).rsplit("-s", 1)
    d = json.load(open(os.path.join(run, "summary.json")))
    st = steps_to(run, target)
    thr = steps_to(run, d["reward_threshold"]) if d.get("reward_threshold") is not None else None
    rows.setdefault(kind, {})[seed] = (st, d["final_mean_return"], d["eval_mean_return"], d["env_steps"], thr)
    print(f"{kind:8s} seed {seed}: steps to teacher's {target:.1f}: {st if st is not None else 'not reached'} "
          f"(to the threshold {d.get('reward_threshold')}: {thr if thr is not None else 'not reached'}) | "
          f"final train mean100 {d['final_mean_return']:.2f} | eval {d['eval_mean_return']:.2f} | {d['env_steps']} steps")
for kind, by in rows.items():
    reached = [v[0] for v in by.values() if v[0] is not None]
    print(f"{kind:8s}: reached {len(reached)}/{len(by)}; mean final train {sum(v[1] for v in by.values())/len(by):.2f}; "
          f"mean eval {sum(v[2] for v in by.values())/len(by):.2f}")
if "kick" in rows and "scratch" in rows:
    for seed in sorted(rows["kick"]):
        k = rows["kick"][seed][0]; s = rows["scratch"].get(seed, (None,))[0]
        budget = rows["scratch"][seed][3]
        if k is None: print(f"seed {seed}: kickstarted never reached the target")
        elif s is None: print(f"seed {seed}: kickstarted {k} vs scratch not reached within {budget} (ratio < {k/budget:.3f})")
        else: print(f"seed {seed}: kickstarted/scratch = {k}/{s} = {k/s:.3f}")
    for seed in sorted(rows["kick"]):
        k = rows["kick"][seed][4]; s = rows["scratch"].get(seed, (None,) * 5)[4]
        if k is not None and s is not None: print(f"seed {seed}: to the threshold, kickstarted/scratch = {k}/{s} = {k/s:.3f}")
