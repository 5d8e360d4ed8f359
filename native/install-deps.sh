#!/bin/sh
# Installs what Signet needs on a fresh Debian machine that has Node.js, npm and apt:
#   run   SoftHSM2 (the embedded token) and the npm dependencies (Bun among them)
#   test  the same, plus OpenSC (pkcs11-tool) and OpenSSL, which the tests use as
#         independent tools, and wrk for the bench smoke
# Installs only what is missing, so a second call costs a few checks.
set -eu
mode="${1:-run}"
cd "$(dirname "$0")/.."

missing=""
need() { # need <debian package> <file or command that shows it is installed>
  if [ -e "$2" ] || command -v "$2" >/dev/null 2>&1; then return; fi
  missing="$missing $1"
}
softhsm_present() {
  for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
           /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
    [ -e "$m" ] && return 0
  done
  return 1
}
softhsm_present || missing="$missing softhsm2"
if [ "$mode" = "test" ]; then
  need opensc pkcs11-tool
  need openssl openssl
  need wrk wrk
fi

if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ]; then sudo=""
  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"
  else echo "signet: need root or sudo to install:$missing" >&2; exit 1
  fi
  echo "signet: installing Debian packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
  }
fi

# npm dependencies: Bun itself comes from the npm registry (the `bun` package), and pkcs11js
# builds its addon with node-gyp against the machine's own Node.js headers (no download).
if [ -z "${npm_config_nodedir:-}" ] && [ -d /usr/include/node ]; then
  export npm_config_nodedir=/usr
fi
if [ ! -x node_modules/.bin/bun ] || [ ! -e node_modules/pkcs11js/build/Release/pkcs11.node ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "signet: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
