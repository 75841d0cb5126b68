#!/usr/bin/env python3
"""Measurements for issue 20 (runs that survive signals and kills), run against the built CLI.

  bench/run-robustness.py stop-latency [--runs N]   SIGTERM during DQN CartPole training: seconds from the signal until the
                                                     final checkpoint and summary.json are on disk (their mtimes).
  bench/run-robustness.py kill-resume [--cycles N]  N SIGKILL/resume cycles of a DQN CartPole run, killed at random points
                                                     (some during checkpoint writes), then resumed to the end; checks that the
                                                     checkpoint reads every time, episodes.csv == summary episodes, whole
                                                     rows only, no temp files.

The CLI is `dotnet .artifacts/cli/Astromech.Cli.dll` (build it with ./astromech once) unless ASTROMECH_CLI names another dll.
"""
import argparse, json, os, random, signal, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLL = os.environ.get("ASTROMECH_CLI", os.path.join(ROOT, ".artifacts", "cli", "Astromech.Cli.dll"))


def train(out, steps, extra, resume=False):
    args = ["dotnet", DLL, "train", "--algo", "dqn", "--env", "CartPole-v1", "--steps", str(steps), "--out", out, "--no-progress",
            "--torch-threads", "1", "--set", "learning_starts=200", "--set", "buffer_size=20000", "--eval-episodes", "1"] + extra
    if resume:
        args += ["--resume", os.path.join(out, "checkpoint.ckpt")]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def checkpoint_steps(out):
    """env_steps of the checkpoint as `astromech eval` sees it (it reads and checks the whole file), or -1 if it does not read."""
    path = os.path.join(out, "checkpoint.ckpt")
    if not os.path.exists(path):
        return 0
    r = subprocess.run(["dotnet", DLL, "eval", path, "--episodes", "1"], capture_output=True, text=True)
    if r.returncode != 0:
        return -1
    return json.loads(r.stdout.strip().splitlines()[-1])["checkpoint_env_steps"]


def wait_line(p, text, timeout=120):
    deadline = time.time() + timeout
    for line in p.stdout:
        if text in line:
            return
        if time.time() > deadline:
            break
    sys.exit(f"no line '{text}' from the CLI")


def stop_latency(runs):
    lat = []
    for i in range(runs):
        out = tempfile.mkdtemp(prefix="astromech-stop-")
        p = train(out, 10_000_000, ["--checkpoint-interval", "0", "--seed", str(i)])
        wait_line(p, "training dqn")
        time.sleep(4 + i % 3)
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        rest = p.communicate()[0]
        t_exit = time.time()
        ck, sm = os.path.getmtime(os.path.join(out, "checkpoint.ckpt")), os.path.getmtime(os.path.join(out, "summary.json"))
        steps = json.load(open(os.path.join(out, "summary.json")))["env_steps"]
        lat.append(max(ck, sm) - t0)
        print(f"run {i}: exit {p.returncode}, stopped at step {steps}; checkpoint {ck - t0:.3f} s, summary {sm - t0:.3f} s, process exit {t_exit - t0:.3f} s after SIGTERM")
    print(f"SIGTERM -> checkpoint+summary: max {max(lat):.3f} s, mean {sum(lat) / len(lat):.3f} s over {runs} runs")


def kill_resume(cycles, seed):
    rng = random.Random(seed)
    out = tempfile.mkdtemp(prefix="astromech-killresume-")
    steps, interval = 200_000, 1000
    last, temps_seen = 0, 0
    for c in range(cycles):
        p = train(out, steps, ["--checkpoint-interval", str(interval)], resume=c > 0)
        # Wait for a checkpoint past the last one: the file is replaced by rename, so its mtime moves when one lands.
        path = os.path.join(out, "checkpoint.ckpt")
        m0 = os.path.getmtime(path) if os.path.exists(path) else 0
        deadline = time.time() + 120
        while not (os.path.exists(path) and os.path.getmtime(path) > m0):
            if p.poll() is not None or time.time() > deadline:
                sys.exit(f"cycle {c}: no new checkpoint\n{p.communicate()[0]}")
            time.sleep(0.01)
        # Every third kill lands during the next checkpoint write (as soon as its temp file shows), the others at a random
        # time up to 1.5 s after a checkpoint (with log rows past it on disk).
        if c % 3 == 2:
            deadline = time.time() + 120
            while not any(f.endswith(".tmp") for f in os.listdir(out)):
                if p.poll() is not None or time.time() > deadline:
                    sys.exit(f"cycle {c}: no checkpoint write seen\n{p.communicate()[0]}")
                time.sleep(0.0005)
        else:
            time.sleep(rng.uniform(0, 1.5))
        p.kill()
        p.communicate()
        temps_seen += sum(1 for f in os.listdir(out) if f.endswith(".tmp"))
        now = checkpoint_steps(out)  # eval reads the checkpoint in place; the temp files stay for the next start to remove
        if now < 0:
            sys.exit(f"cycle {c}: the checkpoint left by the kill does not read")
        temps_now = [f for f in os.listdir(out) if f.endswith(".tmp")]
        print(f"cycle {c + 1}: killed{' during a checkpoint write' if c % 3 == 2 else ''}, checkpoint at step {now} reads"
              + (f", left {len(temps_now)} temp file(s)" if temps_now else ""))
        last = now
    p = train(out, last + 3000, ["--checkpoint-interval", str(interval)], resume=True)
    log = p.communicate()[0]
    if p.returncode != 0:
        sys.exit(f"final resume failed ({p.returncode}):\n{log}")
    s = json.load(open(os.path.join(out, "summary.json")))
    rows = open(os.path.join(out, "episodes.csv")).read().splitlines()
    torn = [r for r in rows if len(r.split(",")) != 4]
    numbers_ok = all(int(r.split(",")[1]) == i for i, r in enumerate(rows[1:], 1))
    mrows = open(os.path.join(out, "metrics.csv")).read().splitlines()
    mtorn = [r for r in mrows if len(r.split(",")) != 4]
    temps = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs if f.endswith(".tmp")]
    print(f"{cycles} kill/resume cycles in {out}: summary episodes {s['episodes']}, episodes.csv rows {len(rows) - 1}, "
          f"episode numbers consecutive: {numbers_ok}, torn rows: episodes {len(torn)}, metrics {len(mtorn)}; "
          f"temp files seen right after kills: {temps_seen}, left at the end: {len(temps)}")
    ok = s["episodes"] == len(rows) - 1 and numbers_ok and not torn and not mtorn and not temps
    print("consistent" if ok else "INCONSISTENT")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["stop-latency", "kill-resume"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    stop_latency(a.runs) if a.what == "stop-latency" else kill_resume(a.cycles, a.seed)
