#!/usr/bin/python3
"""Writes small D4RL and Minari files with h5py (an HDF5 writer independent of Astromech's), from the layouts'
published field lists, for DatasetFileTests to load. Usage: write_reference_files.py OUT_DIR

Every value follows a formula the C# test recomputes:
  observation of file row / episode step i: [i, i + 0.5, -i] (float32); action: [0.1 * i] (float32);
  reward: 1 + i (D4RL float32, Minari float64); qpos: [2i, 2i + 1]; qvel: [-i].
D4RL files (10 rows) hold three episodes: rows 0-3 end in a timeout at row 3, rows 4-6 end terminal at row 6,
rows 7-9 end with the file (no flag).
The Minari folder holds two episodes: episode_0 with 5 steps, truncated; episode_1 with 3 steps, terminated; step i
of episode e uses i + 100 * e in the formulas above, and its infos have T + 1 rows (the reset's first) as Minari
records them.
"""
import json
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
N = 10


def obs_rows(idx):
    idx = np.asarray(idx, dtype=np.float32)
    return np.stack([idx, idx + 0.5, -idx], axis=1).astype(np.float32)


def d4rl(path, next_obs=True, obs_dtype=np.float32, nan_row=None, drop=None, short_actions=False):
    rows = np.arange(N)
    observations = obs_rows(rows).astype(obs_dtype)
    if nan_row is not None:
        observations[nan_row, 1] = np.nan
    terminals = np.zeros(N, dtype=bool)
    timeouts = np.zeros(N, dtype=bool)
    timeouts[3] = True
    terminals[6] = True
    fields = {
        "observations": observations,
        "actions": (0.1 * rows).astype(np.float32).reshape(N, 1)[: N - 1 if short_actions else N],
        "rewards": (1.0 + rows).astype(np.float32),
        "terminals": terminals,
        "timeouts": timeouts,
    }
    if next_obs:
        nxt = obs_rows(rows + 1)
        fields["next_observations"] = nxt
    with h5py.File(path, "w") as f:
        for k, v in fields.items():
            if k != drop:
                f.create_dataset(k, data=v, compression="gzip")
        f.create_dataset("infos/qpos", data=np.stack([2.0 * rows, 2.0 * rows + 1], axis=1))
        f.create_dataset("infos/qvel", data=(-1.0 * rows).reshape(N, 1))
        f.create_dataset("infos/action_log_probs", data=np.zeros(N, dtype=np.float32))
        f["metadata/algorithm"] = "SAC"
        f["metadata/iteration"] = np.int64(42)
        f["metadata/policy/fc0/weight"] = np.ones((256, 17), dtype=np.float32)


d4rl(os.path.join(out, "d4rl.hdf5"))
d4rl(os.path.join(out, "d4rl-no-next.hdf5"), next_obs=False)
d4rl(os.path.join(out, "d4rl-float64.hdf5"), obs_dtype=np.float64)
d4rl(os.path.join(out, "d4rl-nan.hdf5"), nan_row=5)
d4rl(os.path.join(out, "d4rl-no-rewards.hdf5"), drop="rewards")
d4rl(os.path.join(out, "d4rl-short-actions.hdf5"), short_actions=True)
with h5py.File(os.path.join(out, "not-a-dataset.hdf5"), "w") as f:
    f.create_dataset("images", data=np.zeros((2, 4)))
    f.create_dataset("labels", data=np.zeros(2))


def minari(folder, discrete=False, qvel_in_episode_1=True, early_end=False):
    data = os.path.join(folder, "data")
    os.makedirs(data, exist_ok=True)
    lengths = [5, 3]
    with h5py.File(os.path.join(data, "main_data.hdf5"), "w", track_order=True) as f:
        for e, T in enumerate(lengths):
            g = f.create_group(f"episode_{e}")
            g.attrs["id"] = e
            g.attrs["seed"] = 7 + e
            g.attrs["total_steps"] = T
            steps = np.arange(T) + 100 * e
            g.create_dataset("observations", data=obs_rows(np.arange(T + 1) + 100 * e), chunks=True, maxshape=(None, 3))
            if discrete:
                g.create_dataset("actions", data=(steps % 2).astype(np.int64), chunks=True, maxshape=(None,))
            else:
                g.create_dataset("actions", data=(0.1 * steps).astype(np.float32).reshape(T, 1), chunks=True, maxshape=(None, 1))
            g.create_dataset("rewards", data=(1.0 + steps).astype(np.float64), chunks=True, maxshape=(None,))
            term = np.zeros(T, dtype=bool)
            trunc = np.zeros(T, dtype=bool)
            (term if e == 1 else trunc)[-1] = True
            if early_end and e == 0:
                term[1] = True
            g.create_dataset("terminations", data=term, chunks=True, maxshape=(None,))
            g.create_dataset("truncations", data=trunc, chunks=True, maxshape=(None,))
            info_steps = np.arange(T + 1) + 100 * e
            g.create_dataset("infos/qpos", data=np.stack([2.0 * info_steps, 2.0 * info_steps + 1], axis=1))
            if e == 0 or qvel_in_episode_1:
                g.create_dataset("infos/qvel", data=(-1.0 * info_steps).reshape(T + 1, 1))
    action_space = (
        {"type": "Discrete", "dtype": "int64", "start": 0, "n": 2}
        if discrete
        else {"type": "Box", "dtype": "float32", "shape": [1], "low": [-3.0], "high": [3.0]}
    )
    metadata = {
        "dataset_id": "pendulum/reference-v0",
        "total_episodes": len(lengths),
        "total_steps": sum(lengths),
        "data_format": "hdf5",
        "observation_space": json.dumps({"type": "Box", "dtype": "float32", "shape": [3], "low": [-1e9] * 3, "high": [1e9] * 3}),
        "action_space": json.dumps(action_space),
        "env_spec": json.dumps({"id": "Pendulum-v1", "entry_point": "gymnasium.envs.classic_control:PendulumEnv", "max_episode_steps": 200}),
        "minari_version": "0.5.1",
        "author": ["h5py reference writer"],
    }
    with open(os.path.join(data, "metadata.json"), "w") as f:
        json.dump(metadata, f)


minari(os.path.join(out, "minari"))
minari(os.path.join(out, "minari-discrete"), discrete=True)
minari(os.path.join(out, "minari-partial-infos"), qvel_in_episode_1=False)
minari(os.path.join(out, "minari-early-end"), early_end=True)
print("ok")
