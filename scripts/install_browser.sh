#!/bin/sh
# Install Debian's headless-capable chromium for the report's browser test (idempotent).
# Quiet; always exits 0: without chromium the browser test skips instead of failing.
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser: chromium not found and cannot apt-get install it; browser test will skip" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null 2>&1 \
    || echo "install_browser: apt-get install chromium failed; browser test will skip" >&2
exit 0
