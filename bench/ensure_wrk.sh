#!/bin/sh
# Installs wrk from Debian when it is missing and apt is usable; otherwise the benchmark uses
# its Python load generator. Never fails the build.
command -v wrk >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "wrk is not installed and there is no apt-get: the benchmark uses its Python load generator"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "wrk is not installed (apt-get install wrk needs root): the benchmark uses its Python load generator"
  exit 0
fi
echo "Installing wrk from Debian"
$sudo apt-get install -y -q wrk >/dev/null 2>&1 \
  || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q wrk >/dev/null 2>&1; } \
  || echo "apt-get could not install wrk: the benchmark uses its Python load generator"
exit 0
