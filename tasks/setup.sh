#!/bin/sh
# Installs the pinned Deno from the npm registry (the `deno` package ships the
# native binary for this platform). Idempotent: does nothing when the pinned
# version is already on PATH.
set -eu
DENO_VERSION=2.9.3

if command -v deno >/dev/null 2>&1 && deno --version 2>/dev/null | head -n 1 | grep -q "^deno ${DENO_VERSION} "; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: npm is required to install Deno ${DENO_VERSION} (install Node.js and npm first)" >&2
  exit 1
fi
echo "setup: installing deno@${DENO_VERSION} from npm" >&2
if ! npm install -g --no-fund --no-audit "deno@${DENO_VERSION}" >&2; then
  echo "setup: 'npm install -g' failed; installing into \$HOME/.local instead" >&2
  npm install -g --prefix "$HOME/.local" --no-fund --no-audit "deno@${DENO_VERSION}" >&2
  echo "setup: add \$HOME/.local/bin to PATH" >&2
fi
deno --version | head -n 1 >&2
