#!/usr/bin/env bash
# The project's one test command: installs what the tests need on a fresh Debian machine, then
# runs every module's tests with Maven (`mvn verify`). .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  echo "test.sh: installing Maven and JDK 17 (Debian packages)"
  as_root apt-get update -qq && as_root apt-get install -y -qq maven openjdk-17-jdk-headless
fi

# The HIP compiler (compile-only for AMD targets, no GPU needed) validates generated code.
if ! command -v hipcc >/dev/null; then
  if command -v apt-get >/dev/null; then
    echo "test.sh: installing Debian's hipcc (HIP compiler for AMD GPUs)"
    as_root apt-get update -qq || true
    as_root apt-get install -y -qq hipcc || echo "test.sh: WARNING: hipcc could not be installed; tests that need it are skipped"
  else
    echo "test.sh: WARNING: no apt-get and no hipcc; tests that need the HIP compiler are skipped"
  fi
fi

# A real headless browser for the HTML report's test (Debian's chromium; no browser download).
# Recommended packages are left out: the browser alone is what the test runs.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  if command -v apt-get >/dev/null; then
    echo "test.sh: installing Debian's chromium (headless browser for the report test)"
    as_root apt-get update -qq || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
      || echo "test.sh: WARNING: chromium could not be installed; the report's browser test is skipped"
  else
    echo "test.sh: WARNING: no apt-get and no chromium; the report's browser test is skipped"
  fi
fi

exec mvn -B -ntp verify "$@"
