#!/usr/bin/env bash
# Packs the repository's libraries into a local feed (.artifacts/sample-feed) under a fresh prerelease version, builds
# the samples against those packages (as a user's project would reference them) and runs the DroneHover sample for a
# few thousand steps. CI runs it after the tests. Usage: samples/run.sh [--steps N] (default 3000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
steps=3000
if [ "${1:-}" = "--steps" ]; then steps="$2"; fi
# A version no earlier run used, so NuGet's global cache can never hand back an older build of our packages.
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S)"
feed=.artifacts/sample-feed
rm -rf "$feed"
for p in Astromech.Envs Astromech Astromech.Remote Astromech.Remote.Host Astromech.Cluster; do
  dotnet pack "src/$p/$p.csproj" -c Release --nologo -v quiet -p:Version="$version" -o "$feed"
done
ls "$feed"
cd samples
dotnet build DroneHover/DroneHover.csproj -c Release --nologo -v quiet -p:AstromechVersion="$version"
dotnet DroneHover/bin/Release/net10.0/DroneHover.dll --steps "$steps"
