#!/usr/bin/env bash
# Installs the Debian packages the tests need (chromium for browser tests, poppler-utils for PDFs,
# a Java runtime for the Spark engine tests),
# or says clearly why it cannot.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${need[*]}." >&2
  echo "Install them with: sudo apt-get install -y ${need[*]}   (then run make test again)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need ${need[*]} and this machine has no apt-get: install them with your package manager." >&2
  exit 1
fi
echo "Installing ${need[*]} (Debian packages for the browser and PDF tests)…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
