#!/usr/bin/env bash
# Installs diamond-ingest as systemd services on this machine:
#   sudo deploy/systemd/install.sh [--binary PATH] [--workers N]
#   deploy/systemd/install.sh --check-env FILE   (only the placeholder check)
# - a system user `diamond-ingest`, state in /var/lib/diamond-ingest;
# - /etc/diamond-ingest/env from env.example unless it exists; it stops there
#   (exit 2, nothing else installed) while the file holds a CHANGE-ME placeholder;
# - the binary to /usr/local/bin/diamond-ingest (default: build/bin/diamond-ingest);
# - the units; enables the hourly scheduler timer, N workers (default 2) and
#   the consolidator; applies the database migrations once.
# Idempotent: re-running updates the binary and units and sets the worker count.
set -euo pipefail

# Exit 2 naming the settings of env file $1 still set to a placeholder
# (CHANGE-ME, CHANGE_ME, changeme, any case; comments ignored).
check_env() {
  local names
  names=$(grep -iE '^[[:space:]]*[A-Z_][A-Z0-9_]*=.*change[-_]?me' "$1" | sed -E 's/^[[:space:]]*([A-Z0-9_]+)=.*/\1/' |
    paste -sd, - | sed 's/,/, /g' || true)
  if [ -n "$names" ]; then
    echo "install.sh: $1: $names still set to a CHANGE-ME placeholder: edit it, then re-run" >&2
    exit 2
  fi
}

here="$(cd "$(dirname "$0")" && pwd)"
binary="$here/../../build/bin/diamond-ingest"
workers=2
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --check-env) check_env "$2"; exit 0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if ! [[ "$workers" =~ ^[0-9]+$ ]] || [ "$workers" -lt 1 ] || [ "$workers" -gt 32 ]; then
  echo "install.sh: --workers must be 1..32" >&2; exit 2
fi
if [ "$(id -u)" -ne 0 ]; then echo "install.sh: run as root (sudo)" >&2; exit 1; fi
if [ ! -x "$binary" ]; then echo "install.sh: no binary at $binary (build first, or pass --binary)" >&2; exit 1; fi

id -u diamond-ingest >/dev/null 2>&1 ||
  useradd --system --home-dir /var/lib/diamond-ingest --shell /usr/sbin/nologin diamond-ingest
install -d -o diamond-ingest -g diamond-ingest -m 0750 /var/lib/diamond-ingest
install -d -o root -g diamond-ingest -m 0750 /etc/diamond-ingest
if [ ! -f /etc/diamond-ingest/env ]; then
  install -o root -g diamond-ingest -m 0640 "$here/env.example" /etc/diamond-ingest/env
  echo "install.sh: wrote /etc/diamond-ingest/env from env.example: set the credentials, then re-run"
fi
# Nothing runs with placeholder credentials: stop before the binary and units.
check_env /etc/diamond-ingest/env
install -m 0755 "$binary" /usr/local/bin/diamond-ingest

for unit in diamond-ingest-schedule.service diamond-ingest-schedule.timer diamond-ingest-worker@.service \
            diamond-ingest-consolidate.service diamond-ingest.target; do
  install -m 0644 "$here/$unit" "/etc/systemd/system/$unit"
done
systemctl daemon-reload

# Schema first, as the service user with the service's settings.
runuser -u diamond-ingest -- /usr/local/bin/diamond-ingest --env-file /etc/diamond-ingest/env migrate

# Exactly N workers: enable 1..N, disable the rest.
for unit in $(systemctl list-units --all --plain --no-legend 'diamond-ingest-worker@*.service' | awk '{print $1}'); do
  n="${unit#diamond-ingest-worker@}"; n="${n%.service}"
  if [ "$n" -gt "$workers" ]; then systemctl disable --now "$unit"; fi
done
for n in $(seq 1 "$workers"); do systemctl enable "diamond-ingest-worker@$n.service"; done
systemctl enable diamond-ingest-consolidate.service diamond-ingest.target
systemctl enable --now diamond-ingest-schedule.timer
systemctl restart diamond-ingest.target
echo "install.sh: $workers worker(s), consolidator and hourly scheduler installed"
echo "  status:  diamond-ingest status      logs: journalctl -u 'diamond-ingest-*' -f"
