#!/bin/sh
# Installs Debian's Chromium (and its WebDriver) for the browser tests: /usr/bin/chromium.
# Needs apt-get and root (or passwordless sudo); exits non-zero when it cannot install.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get not found: install Chromium with your system's package manager" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    echo "installing Chromium needs root: run 'sudo $0'" >&2
    exit 1
fi

# env, because sudo drops the caller's environment; fonts-liberation is the one recommend the screenshots need
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    chromium chromium-driver fonts-liberation
test -x /usr/bin/chromium
