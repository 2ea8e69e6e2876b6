#!/usr/bin/env bash
# Builds (or reuses) the loopback Kubernetes testbed and runs the Kubernetes driver's integration
# tests against it. Each test file starts and stops its own testbed (own run dir, free ports).
# In CI the shared folder sits at ../shared relative to the repo root.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${NIMBLE_K8S_TESTBED_TOOLS:-$ROOT/../shared/tools/k8s-testbed}
if [ ! -f "$TOOLS/build.sh" ]; then
  echo "ci-k8s: testbed tools not found at $TOOLS (set NIMBLE_K8S_TESTBED_TOOLS)" >&2
  exit 2
fi
export NIMBLE_K8S_TESTBED_TOOLS=$TOOLS
# <1 s when the binaries are cached; ~8-9 min from scratch (holds a lock: concurrent jobs build once).
bash "$TOOLS/build.sh"
cd "$ROOT"
NIMBLE_K8S_TESTS=1 exec node scripts/run-tests.mjs --only-integration
