#!/bin/sh
# Reads the database URL from a compose/Docker secret file, so it never sits in the
# environment of `docker inspect`, then runs the command (gunicorn, `hublink-coordinator ...`).
set -eu
if [ -n "${HUBLINK_DATABASE_URL_FILE:-}" ]; then
    if [ -n "${HUBLINK_DATABASE_URL:-}" ]; then
        echo "set HUBLINK_DATABASE_URL or HUBLINK_DATABASE_URL_FILE, not both" >&2
        exit 2
    fi
    HUBLINK_DATABASE_URL="$(cat "$HUBLINK_DATABASE_URL_FILE")"
    export HUBLINK_DATABASE_URL
    unset HUBLINK_DATABASE_URL_FILE
fi
exec "$@"
