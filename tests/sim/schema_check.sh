#!/bin/sh
# Usage: schema_check.sh PRINT_QUERIES SCHEMA JS: the client's queries validate against the SDL.
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$1" > "$tmp"
NODE_PATH=/usr/share/nodejs node "$3" "$2" "$tmp"
