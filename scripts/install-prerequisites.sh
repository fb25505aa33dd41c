#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those missing:
#   python3-torch, python3-onnx  the example and fixture generators (torch 1.13, onnx 1.12)
#   libtorch-dev, cmake, g++     the libtorch engine's JNI bridge (backend-plugins/libtorch-engine)
set -euo pipefail

packages=(python3-torch python3-onnx libtorch-dev cmake g++)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg -s "$package" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-prerequisites: all present (${packages[*]})"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
echo "install-prerequisites: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
