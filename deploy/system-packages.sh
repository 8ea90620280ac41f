#!/usr/bin/env bash
# Installs the system packages the tests need (Mosquitto, Chromium, PostgreSQL, the pages'
# CJK and emoji fonts, npm for axe-core) when they are absent.
set -euo pipefail
missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto mosquitto-clients)
command -v mosquitto_passwd >/dev/null 2>&1 || [ -x /usr/bin/mosquitto_passwd ] || missing+=(mosquitto)
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
# npm installs axe-core for the accessibility tests (deploy/bootstrap.sh).
command -v npm >/dev/null 2>&1 || missing+=(npm)
# The cloud consumer's tests start a private cluster from Debian's binaries.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# The pages' Korean and Japanese text and their emoji icons: a fresh Debian has no font for
# them, and Chromium draws empty boxes.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
installed fonts-noto-cjk || missing+=(fonts-noto-cjk)
installed fonts-noto-color-emoji || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
