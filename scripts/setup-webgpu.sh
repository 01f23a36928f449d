#!/usr/bin/env bash
# Sets up a software Vulkan driver (Mesa's lavapipe) so WebGPU runs on a machine with no GPU:
# Dawn (the npm package `webgpu`) then finds an adapter and WGSL kernels execute on the CPU.
# Debian 12 (bookworm), as root. See the README section "WebGPU without a GPU".
#
#   source scripts/setup-webgpu.sh     # installs once, then exports VK_ICD_FILENAMES
#   bash scripts/setup-webgpu.sh       # installs once, then prints the export line
#
# Bookworm's own lavapipe (Mesa 22.3) lacks a Vulkan feature Dawn requires, and upgrading the
# system's Mesa would pull in a dozen packages. Instead this takes the one driver library from
# bookworm-backports' Mesa (which links against libraries bookworm's packages provide), through a
# private apt configuration that leaves the system's sources untouched, and caches it in
# .cache/vulkan (ignored by git). A second run only re-exports.

WEBTORCH_VULKAN_CACHE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/vulkan"

if ! bash "$(dirname "${BASH_SOURCE[0]}")/install-lavapipe.sh" "$WEBTORCH_VULKAN_CACHE" >&2; then
  echo "setup-webgpu: failed to set up the software Vulkan driver" >&2
  unset WEBTORCH_VULKAN_CACHE
  return 1 2>/dev/null || exit 1
fi

export VK_ICD_FILENAMES="$WEBTORCH_VULKAN_CACHE/lvp_icd.json"
# Mesa warns when the runtime directory is unset; any private writable folder silences it.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$WEBTORCH_VULKAN_CACHE/runtime}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
unset WEBTORCH_VULKAN_CACHE
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "export VK_ICD_FILENAMES=$VK_ICD_FILENAMES XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"
fi
