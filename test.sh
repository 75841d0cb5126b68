#!/usr/bin/env bash
# Runs the whole test suite (unit, learning and leak tests) in Release and ends with one line
# "tests: N passed, N failed, N skipped" summed over the test assemblies.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# The MuJoCo env tests need libmujoco2.2.2: install it when missing (as root) or say which package to install.
build/debian-packages.sh || exit 1
results="$(pwd)/.artifacts/test-results"
rm -rf "$results"
dotnet test Astromech.slnx -c Release --nologo --logger "trx" --results-directory "$results" "$@"
status=$?
passed=0; failed=0; skipped=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  c=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$c"); passed=$((passed + ${p:-0}))
  x=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$c"); failed=$((failed + ${x:-0}))
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$c"); skipped=$((skipped + ${n:-0}))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
