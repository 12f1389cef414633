#!/usr/bin/env bash
# Run the whole test suite on SQLite and on PostgreSQL. Exit non-zero if a leg that ran failed.
# The PostgreSQL leg needs a server on 127.0.0.1:5432 (user postgres); if one is installed but stopped it is
# started; without one the leg is reported as NOT RUN (and .ci/run fails on that).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export FUPIN_CONN_MAX_AGE=0  # live-server threads must not keep test-database connections open
export FUPIN_DATA_DIR="${FUPIN_DATA_DIR:-$PWD/var}"
mkdir -p "$FUPIN_DATA_DIR"
legs="${FUPIN_TEST_LEGS:-sqlite postgres}"
status_file="$FUPIN_DATA_DIR/test-legs.status"
: > "$status_file"
PG_HOST="${FUPIN_TEST_PG_HOST:-127.0.0.1}"
PG_URL="${FUPIN_TEST_PG_URL:-postgres://postgres@$PG_HOST:5432/fupin}"
rc=0

pg_up() { "$BIN/python" - "$PG_HOST" <<'PY'
import sys, psycopg
try:
    psycopg.connect(host=sys.argv[1], port=5432, user="postgres", dbname="postgres", connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
}

for leg in $legs; do
  case "$leg" in
    sqlite)
      echo "=== 测试：SQLite ==="
      rm -f "$FUPIN_DATA_DIR"/test-*.sqlite3*
      env -u DATABASE_URL FUPIN_TEST_SQLITE_NAME="$FUPIN_DATA_DIR/test-sqlite.sqlite3" \
        "$BIN/pytest" -p no:cacheprovider "$@"
      r=$?
      echo "sqlite $r" >> "$status_file"
      [ $r -ne 0 ] && rc=1
      ;;
    postgres)
      echo "=== 测试：PostgreSQL ==="
      if ! pg_up; then
        if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
          echo "PostgreSQL 未运行，正在启动……"
          for v in $(ls /etc/postgresql); do pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true; done
          for _ in 1 2 3 4 5 6 7 8 9 10; do pg_up && break; sleep 1; done
        fi
      fi
      if pg_up; then
        DATABASE_URL="$PG_URL" "$BIN/pytest" -p no:cacheprovider "$@"
        r=$?
        echo "postgres $r" >> "$status_file"
        [ $r -ne 0 ] && rc=1
      else
        echo "!!! PostgreSQL 测试未运行：$PG_HOST:5432 上没有可用的 PostgreSQL（用户 postgres）。只运行了 SQLite 测试。"
        echo "postgres not-run" >> "$status_file"
      fi
      ;;
  esac
done
echo "=== 测试结果 ==="
cat "$status_file"
exit $rc
