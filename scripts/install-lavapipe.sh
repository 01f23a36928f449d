#!/usr/bin/env bash
# Installs Mesa 25's software Vulkan driver (lavapipe) into the folder given as $1, with an ICD
# file beside it; when the driver is already there it only makes sure the Vulkan loader is
# installed. Debian 12 (bookworm), as root. Called by setup-webgpu.sh, which explains why it is
# done this way; it runs as its own process so that `set -e` holds (inside a subshell whose status
# `if` tests, bash silently ignores it, which had let a failed apt-get pass as success).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cache="$1"
quiet=(-qq -o Dpkg::Use-Pty=0)
packages=(libvulkan1 mesa-vulkan-drivers)
if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  # The Vulkan loader, plus the runtime libraries (libLLVM-15, ...) the newer driver links against.
  apt-get install -y --no-install-recommends "${quiet[@]}" "${packages[@]}" \
    || { apt-get update "${quiet[@]}" && apt-get install -y --no-install-recommends "${quiet[@]}" "${packages[@]}"; }
fi
[ -f "$cache/lvp_icd.json" ] && [ -f "$cache/libvulkan_lvp.so" ] && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sources" "$work/lists/partial" "$work/cache/archives/partial" "$cache"
cat >"$work/sources/backports.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
private=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/sources"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
apt-get update "${quiet[@]}" "${private[@]}"
(cd "$work" && apt-get download "${quiet[@]}" "${private[@]}" mesa-vulkan-drivers/bookworm-backports)
dpkg-deb -x "$work"/mesa-vulkan-drivers_*.deb "$work/extracted"
cp "$work/extracted/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so" "$cache/libvulkan_lvp.so"
printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.4.305"}}\n' \
  "$cache/libvulkan_lvp.so" >"$cache/lvp_icd.json"
