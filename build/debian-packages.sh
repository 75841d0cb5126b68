#!/usr/bin/env bash
# Installs the Debian packages Astromech needs beyond the .NET SDK, when missing, so that both README commands
# (./astromech, ./test.sh) and .ci/run work on a fresh Debian 12 machine:
#   libmujoco2.2.2      required: the MuJoCo envs P/Invoke libmujoco.so.2.2.2, and their tests run in the suite
#   python3-h5py        required by the tests: the dataset tests load D4RL and Minari files written by h5py (an HDF5
#                       writer independent of ours), from tests/Astromech.Tests/Datasets/write_reference_files.py
#   python3-onnx        required by the tests: every exported ONNX policy is checked by the reference checker
#                       (onnx.checker.check_model, full_check), an ONNX reader independent of our writer
#   fonts-dejavu-core   optional: learning-curve PNGs draw their text with DejaVu Sans (text-less without it)
# As root it runs apt-get; otherwise it prints the apt-get line and fails when a required package is missing.
set -euo pipefail
missing_required=()
missing_optional=()
if ! ldconfig -p 2>/dev/null | grep -q 'libmujoco\.so\.2\.2\.2' && [ ! -e /usr/lib/x86_64-linux-gnu/libmujoco.so.2.2.2 ]; then
  missing_required+=(libmujoco2.2.2)
fi
if ! /usr/bin/python3 -c 'import h5py' >/dev/null 2>&1; then
  missing_required+=(python3-h5py)
fi
if ! /usr/bin/python3 -c 'import onnx' >/dev/null 2>&1; then
  missing_required+=(python3-onnx)
fi
if ! fc-list 2>/dev/null | grep -qi dejavu && [ ! -d /usr/share/fonts/truetype/dejavu ]; then
  missing_optional+=(fonts-dejavu-core)
fi
all=("${missing_required[@]}" "${missing_optional[@]}")
[ ${#all[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "astromech: installing Debian packages: ${all[*]}"
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${all[@]}") >/dev/null; then exit 0; fi
  [ ${#missing_required[@]} -eq 0 ] && { echo "astromech: could not install ${all[*]}; plots will have no text"; exit 0; }
  echo "astromech: could not install ${missing_required[*]} (apt-get install ${missing_required[*]})" >&2
  exit 1
fi
if [ ${#missing_required[@]} -gt 0 ]; then
  echo "astromech: missing Debian package(s) ${missing_required[*]}; run: sudo apt-get install ${all[*]}" >&2
  exit 1
fi
echo "astromech: optional package(s) ${missing_optional[*]} missing (plots without text); sudo apt-get install ${missing_optional[*]}"
