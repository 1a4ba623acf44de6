#!/usr/bin/env bash
# Prints the path of a working Python 3.12 for the FOCUS validator's virtual environment, or says
# clearly why there is none. Tried in order: $PYTHON_FV, python3.12 on PATH, the 3.12 versions pyenv has
# installed (a pyenv shim named python3.12 is on PATH even when no 3.12 is selected, and then fails).
set -uo pipefail
works() { "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; }
tried=()
for py in ${PYTHON_FV:-} python3.12; do
  tried+=("$py")
  if works "$py"; then command -v "$py"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.|$)' | sort -rV); do
    py="$root/versions/$v/bin/python3.12"
    tried+=("$py")
    if works "$py"; then echo "$py"; exit 0; fi
  done
fi
echo "The FOCUS validator tests need Python 3.12 (focus-validator 2.2.1 requires it); none works here." >&2
echo "Tried: ${tried[*]}" >&2
echo "Install it (e.g. pyenv install 3.12) or point PYTHON_FV at a python3.12, then run make test again." >&2
exit 1
