#!/usr/bin/env bash
# Regenerates MjLayout.cs from the installed MuJoCo headers (Debian: apt-get install libmujoco-dev).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -O0 -o "$tmp/mj_layout" mj_layout.c
"$tmp/mj_layout" > MjLayout.cs
echo "wrote $(pwd)/MjLayout.cs"
