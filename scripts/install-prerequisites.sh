#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only those missing:
#   python3-torch, python3-onnx  make the MiniLM example from its Maven Central weights (scripts/fixtures/make-minilm-example.py)
#   libtorch-dev, cmake, g++     build the native libtorch engine (plugins/engines/libtorch)
#   chromium                     the status page's browser test (itests/e2e StatusPageTest), headless over DevTools
#   haproxy                      the consistent-hashing proxy in front of MultiNodeTest's Gantry nodes
#   umoci                        ImageTest's OCI image layout (deploy/image/build-image.sh --without-rootfs)
# With the argument "image", also what the full OCI image and its test need (mvn -Pimage, docs/deployment.md):
#   mmdebstrap                   the image's Debian root file system
#   python3-yaml                 deploy/image/test-image.py reads the KServe manifest
# README's commands and .ci/run call it first; it does nothing when everything is there.
set -euo pipefail
packages=(python3-torch python3-onnx libtorch-dev cmake g++ chromium haproxy umoci)
if [ "${1:-}" = image ]; then
  packages+=(mmdebstrap python3-yaml)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
