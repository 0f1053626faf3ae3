#!/usr/bin/env bash
# `npm run test:matrix`: the suite on the stacks users have, each part headed in the log by its
# engine, buildx version and builder (scripts/run-tests.js), closing with the totals:
#   1. primary — the engine docker-env runs (Docker 28, buildx 0.29, what GitHub's runners have)
#      with the docker-container builder image-budget-dc, as docker/setup-buildx-action makes:
#      the whole suite, unit and integration;
#   2. Docker 26, buildx 0.13, the `docker` driver (containerd store): the integration tests;
#   3. Docker 28 on the classic image store (a runner's default), `docker` driver: the tests of
#      the fallback to a temporary docker-container builder.
# Parts 2 and 3 run on engines of their own (scripts/side-engine.sh), so the primary engine and
# anyone using it are left alone. Needs root (it starts dockerd), as .ci/run has.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! docker buildx inspect image-budget-dc >/dev/null 2>&1; then
  echo "test-matrix: no builder image-budget-dc; start the engine with ../shared/tools/docker-env --engine 28 --container-builder --debian" >&2
  exit 2
fi
npm run build && npm run lint || exit 1

totals=$(mktemp)
export IB_TEST_TOTALS=$totals
status=0

# image-budget-dc as the current builder, as docker/setup-buildx-action leaves it (`buildx use`),
# in a copy of the CLI config so the engine's own current builder stays what it is; tests that
# point buildx elsewhere (DOCKER_HOST, DOCKER_CONTEXT, --builder) still can.
primary_config=$(mktemp -d)
cp -a "${DOCKER_CONFIG:-$HOME/.docker}/." "$primary_config/"
DOCKER_CONFIG=$primary_config docker buildx use image-budget-dc
DOCKER_CONFIG=$primary_config IB_TEST_PART="1/3 primary" node scripts/run-tests.js || status=1
rm -rf "$primary_config"

side_part() {
  local engine=$1 store=$2 label=$3
  shift 3
  local env
  if ! env=$(scripts/side-engine.sh start "$engine" "$store"); then
    echo "test-matrix: the Docker $engine ($store store) engine did not start" >&2
    echo "0 1 0 $label" >>"$totals"
    return 1
  fi
  # IB_SKIP_SLOW: the side engines' build steps have no route out (no NAT), so the one test that
  # installs from Debian's mirror runs in the primary part only.
  (eval "$env" && IB_SKIP_SLOW=1 IB_TEST_PART=$label node scripts/run-tests.js "$@")
  local rc=$?
  scripts/side-engine.sh stop "$engine" "$store"
  return $rc
}
side_part 26 containerd "2/3 Docker 26" --project integration || status=1
side_part 28 classic "3/3 classic store" test/integration/runner-stack/classic-store.test.ts || status=1

echo
echo "=== test matrix"
while read -r passed failed skipped label; do printf '  %-20s %5d passed, %d failed, %d skipped\n' "$label" "$passed" "$failed" "$skipped"; done <"$totals"
awk '{ p += $1; f += $2; s += $3 } END { printf "%d passed, %d failed%s\n", p, f, (s > 0 ? ", " s " skipped" : "") }' "$totals"
rm -f "$totals"
exit $status
