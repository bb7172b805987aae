#!/usr/bin/env bash
# Redis and PostgreSQL for trying several relays by hand (the tests start their own servers).
#   scripts/services.sh install   Debian's redis-server and postgresql (the packages .ci/run uses)
#   scripts/services.sh up        start both on 127.0.0.1 with their data in .services/, and print
#                                 the REDIS_URL and DATABASE_URL to export
#   scripts/services.sh down      stop them
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$PWD/.services"
redis_port="${REDIS_PORT:-6390}"
pg_port="${PG_PORT:-5440}"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }
as_pg() {  # PostgreSQL refuses to run as root
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  install)
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q redis-server postgresql
    ;;
  up)
    mkdir -p "$dir/redis" "$dir/pg"
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$dir/pg"
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --save "" \
      --appendonly no --daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/log"
    bin="$(pg_bin)"
    if ! [ -f "$dir/pg/data/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir/pg/data" -U relay --auth=trust -E UTF8 >/dev/null
    fi
    as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w start \
      -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1" >/dev/null
    as_pg "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U relay -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'relay'" | grep -q 1 \
      || as_pg "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U relay relay
    echo "export REDIS_URL=redis://127.0.0.1:$redis_port/0"
    echo "export DATABASE_URL=postgresql://relay@127.0.0.1:$pg_port/relay"
    ;;
  down)
    if [ -f "$dir/redis/redis.pid" ]; then kill "$(cat "$dir/redis/redis.pid")" || true; fi
    if [ -f "$dir/pg/data/PG_VERSION" ]; then
      as_pg "$(pg_bin)/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null || true
    fi
    ;;
  *)
    echo "usage: $0 install|up|down" >&2
    exit 2
    ;;
esac
