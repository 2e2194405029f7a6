#!/usr/bin/env bash
# Times loading and evaluating generated configurations of 1,000 and 10,000 resources with
# `infra validate` and `infra eval` (best of 5 runs each), with peak RSS.
# Usage: bench/lang.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/infra-target}"
profile=debug
if [ "${1:-}" = "--release" ]; then
  cargo build --quiet --release
  profile=release
else
  cargo build --quiet
fi
infra="$CARGO_TARGET_DIR/$profile/infra"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-10s %-9s %10s %10s %12s\n' resources command "best (s)" "median (s)" "peak RSS MB"
for n in 1000 10000; do
  python3 bench/gen_layers.py "$n" "$work/$n"
  for cmd in validate eval; do
    times=()
    rss=0
    for _ in 1 2 3 4 5; do
      /usr/bin/time -o "$work/time" -f '%e %M' "$infra" "$cmd" "$work/$n" >/dev/null 2>&1
      out=$(tail -1 "$work/time")
      times+=("${out% *}")
      r=${out#* }
      [ "$r" -gt "$rss" ] && rss=$r
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    best=$(echo "$sorted" | head -1)
    median=$(echo "$sorted" | sed -n 3p)
    printf '%-10s %-9s %10s %10s %12d\n' "$n" "$cmd" "$best" "$median" $((rss / 1024))
  done
done
echo "($profile build, $(nproc) cores)"
