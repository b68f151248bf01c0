#!/usr/bin/env bash
# Debian packages the tests use, installed when missing (idempotent: nothing is done when every command is there):
#   awscli        the AWS CLI drives the local emulator in one integration test;
#   redis-tools   redis-check-rdb and redis-cli check and read an exported .rdb file (test/integration/real-redis.test.ts);
#   redis-server  a throwaway redis-server loads that file.
# Run by `npm test` (the pretest script) and .ci/run. Without root and with something missing it says what to run.
set -euo pipefail

declare -A PACKAGE_OF=(
  [aws]=awscli
  [redis-check-rdb]=redis-tools
  [redis-cli]=redis-tools
  [redis-server]=redis-server
)
missing=()
for command in aws redis-check-rdb redis-cli redis-server; do
  if ! command -v "$command" >/dev/null 2>&1; then
    package="${PACKAGE_OF[$command]}"
    [[ " ${missing[*]-} " == *" $package "* ]] || missing+=("$package")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need the Debian packages ${missing[*]}, which are not installed, and this is not root." >&2
  echo "Install them, then run the tests again:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need ${missing[*]} (Debian package names); install them with this system's package manager." >&2
  exit 1
fi
echo "Installing ${missing[*]} for the tests..." >&2
apt-get update -qq
# policy-rc.d-less containers: the redis-server package's service may fail to start; the tests start their own.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
aws --version >&2
redis-server --version >&2
