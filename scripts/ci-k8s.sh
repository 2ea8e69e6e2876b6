#!/usr/bin/env bash
# Builds (or reuses) the project's Kubernetes test cluster (test/cluster: v1.36 + kwok, from Go
# modules) and runs the integration tests on it. Each test file starts and stops its own cluster
# (own run dir, free ports).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# < 1 s when the binaries are cached; ~14 min from scratch on 2 loaded cores (holds a lock: concurrent jobs build once).
bash "$ROOT/test/cluster/build.sh"
cd "$ROOT"
NIMBLE_K8S_TESTS=1 exec node scripts/run-tests.mjs --only-integration
