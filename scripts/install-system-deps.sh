#!/usr/bin/env bash
# Debian packages the tests use: the AWS CLI drives the local emulator in one integration test.
set -euo pipefail
if command -v aws >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "awscli is missing; run as root or: sudo apt-get install -y awscli" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
aws --version
