#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the test run.
#
#   .ci/postgres.sh [start]   start one (or reuse the running one) and print its URL
#   .ci/postgres.sh url       print the running server's URL
#   .ci/postgres.sh stop      stop it and delete its files
#
# It uses initdb/pg_ctl from PATH or /usr/lib/postgresql/*/bin, installing the Debian
# `postgresql` package when there are none (as root). PostgreSQL will not run as root, so
# as root the server runs as the `postgres` user (created if missing; COP_PG_OS_USER names
# another). Data and socket live in a fresh directory under /tmp; the server listens on
# 127.0.0.1 only, on a free port, with fsync off. The database superuser is cop (password
# cop). Only the URL goes to stdout; a failure prints one line to stderr and exits 1.
set -euo pipefail

PG_USER=cop
OS_USER=${COP_PG_OS_USER:-postgres}
PG_PASSWORD=cop
REPO=$(cd "$(dirname "$0")/.." && pwd)
STATE=${COP_PG_STATE:-/tmp/cop-ci-postgres-$(printf %s "$REPO" | cksum | cut -d' ' -f1).env}

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

find_bindir() {
    local found
    if found=$(command -v pg_ctl 2>/dev/null) && command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$found")"
        return 0
    fi
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
    if [[ -n $found && -x $found/initdb && -x $found/pg_ctl ]]; then
        echo "$found"
        return 0
    fi
    return 1
}

install_postgres() {
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed and only root can install it; install the postgresql package (initdb and pg_ctl)."
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and there is no apt-get; install PostgreSQL (initdb and pg_ctl)."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed; check access to the Debian package mirror."
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1 \
        || die "apt-get install postgresql failed; check access to the Debian package mirror."
}

# Run a command as the server's owner: $OS_USER when we are root, else ourselves.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u "$OS_USER" -- "$@"
        else
            su -s /bin/sh "$OS_USER" -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

free_port() {
    local python
    python=$(command -v python3 || command -v python) || die "python3 is needed to pick a free port."
    "$python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

url_for() {
    echo "postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:$1/postgres"
}

running() {
    # The state file names a server that answers: print its URL.
    [[ -f $STATE ]] || return 1
    local BINDIR="" DIR="" PORT="" OWNER=""
    # shellcheck disable=SC1090
    source "$STATE"
    OS_USER=${OWNER:-$OS_USER}
    [[ -n $BINDIR && -n $DIR && -n $PORT && -d $DIR/data ]] || return 1
    as_owner "$BINDIR/pg_ctl" status -D "$DIR/data" >/dev/null 2>&1 || return 1
    url_for "$PORT"
}

stop() {
    [[ -f $STATE ]] || return 0
    local BINDIR="" DIR="" PORT="" OWNER=""
    # shellcheck disable=SC1090
    source "$STATE"
    OS_USER=${OWNER:-$OS_USER}
    if [[ -n $BINDIR && -n $DIR && -d $DIR/data ]]; then
        as_owner "$BINDIR/pg_ctl" stop -D "$DIR/data" -m fast -s >/dev/null 2>&1 || true
    fi
    if [[ -n $DIR && $DIR == */cop-pg.* ]]; then
        rm -rf -- "$DIR"
    fi
    rm -f -- "$STATE"
}

start() {
    if running; then
        return 0
    fi
    stop

    local bindir dir port log
    bindir=$(find_bindir) || { install_postgres; bindir=$(find_bindir) || die "initdb and pg_ctl are still missing after installing postgresql."; }

    if [[ $(id -u) -eq 0 ]] && ! id -u "$OS_USER" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$OS_USER" >/dev/null 2>&1 \
            || die "could not create the user $OS_USER to run PostgreSQL as."
    fi

    dir=$(mktemp -d /tmp/cop-pg.XXXXXX) || die "could not make a temporary directory in /tmp."
    trap 'rm -rf -- "$dir"' EXIT # until the server is up
    mkdir -p "$dir/data" "$dir/socket"
    printf '%s\n' "$PG_PASSWORD" >"$dir/pwfile"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R "$OS_USER": "$dir"
    fi
    chmod 700 "$dir" "$dir/data"
    log=$dir/server.log

    if ! as_owner "$bindir/initdb" -D "$dir/data" -U "$PG_USER" --pwfile="$dir/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --no-locale \
        --no-sync >"$dir/initdb.log" 2>&1; then
        die "initdb failed: $(grep -m1 -iE 'error|fatal|cannot|could not' "$dir/initdb.log" \
            || tail -n 1 "$dir/initdb.log")"
    fi
    rm -f -- "$dir/pwfile"

    local attempt
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_owner "$bindir/pg_ctl" start -D "$dir/data" -l "$log" -w -t 30 -s \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=off \
                -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            >/dev/null 2>&1; then
            printf 'BINDIR=%q\nDIR=%q\nPORT=%q\nOWNER=%q\n' "$bindir" "$dir" "$port" "$OS_USER" \
                >"$STATE"
            trap - EXIT
            url_for "$port"
            return 0
        fi
        # Most likely the port was taken meanwhile: try another.
        as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -s >/dev/null 2>&1 || true
        if ((attempt < 3)); then sleep 1; fi
    done
    local why
    why=$(grep -m1 -E 'FATAL|PANIC|ERROR' "$log" 2>/dev/null || tail -n 1 "$log" 2>/dev/null) || true
    die "PostgreSQL did not start on 127.0.0.1: ${why:-pg_ctl start failed and wrote no log}"
}

case ${1:-start} in
start) start ;;
url) running || die "no server is running; run .ci/postgres.sh start" ;;
stop) stop ;;
*) die "unknown command \`$1\`; use start, url or stop" ;;
esac
