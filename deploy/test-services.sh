#!/usr/bin/env bash
# What the test suite needs running on this machine, brought up when missing
# (run by `make test`; nothing is changed where all is there already):
#   - RabbitMQ on 127.0.0.1:${RABBIT_PORT:-5672}, started if down;
#   - its management plugin, answering on ${RABBIT_API_PORT:-15672} (the tests
#     make a throw-away vhost per test through it), enabled if off;
#   - PostgreSQL on 127.0.0.1:5432, started if down, that lets the user
#     postgres in from 127.0.0.1 without a password (each test session makes
#     and drops a database of its own).
# The RabbitMQ variables of the server and CLI (RABBITMQ_NODENAME,
# RABBITMQ_ENABLED_PLUGINS_FILE, ...) are passed through, so the same script
# brings up another node.
set -euo pipefail

rabbit_port=${RABBIT_PORT:-5672}
api_port=${RABBIT_API_PORT:-15672}
api_user=${RABBIT_API_USER:-guest}
api_password=${RABBIT_API_PASSWORD:-guest}

say() { echo "test-services: $*"; }
fail() { echo "test-services: $*" >&2; exit 1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # seconds, description, command...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 "$seconds"); do
    if "$@"; then return 0; fi
    sleep 1
  done
  fail "$what did not come up within ${seconds}s"
}

management_api() {
  curl -fsS -o /dev/null -u "$api_user:$api_password" "http://127.0.0.1:$api_port/api/overview" 2>/dev/null
}

# --- RabbitMQ -----------------------------------------------------------------
if ! listening "$rabbit_port"; then
  command -v rabbitmq-server >/dev/null 2>&1 \
    || fail "RabbitMQ is not running on 127.0.0.1:$rabbit_port and not installed (apt-get install rabbitmq-server, or run .ci/run)"
  say "starting RabbitMQ"
  rabbitmq-server -detached
  wait_for 90 "RabbitMQ on port $rabbit_port" listening "$rabbit_port"
fi

command -v curl >/dev/null 2>&1 || fail "curl is needed to check RabbitMQ's management API (apt-get install curl)"
if ! management_api; then
  command -v rabbitmq-plugins >/dev/null 2>&1 \
    || fail "RabbitMQ's management API does not answer on port $api_port and rabbitmq-plugins is not here"
  say "enabling RabbitMQ's management plugin"
  rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null
  wait_for 60 "RabbitMQ's management API on port $api_port" management_api
fi

# --- PostgreSQL -------------------------------------------------------------------
if [ -z "${SKIP_POSTGRES:-}" ]; then
  ready() { pg_isready -h 127.0.0.1 -p 5432 -q; }
  command -v pg_isready >/dev/null 2>&1 \
    || fail "PostgreSQL's client tools are missing (apt-get install postgresql, or run .ci/run)"
  if ! ready; then
    command -v pg_ctlcluster >/dev/null 2>&1 || fail "PostgreSQL is not running on 127.0.0.1:5432 and not installed"
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_for 60 "PostgreSQL on port 5432" ready
  fi
  if ! psql -w -h 127.0.0.1 -U postgres -d postgres -Atqc "select 1" >/dev/null 2>&1; then
    # A fresh installation asks for a password on TCP: let the tests' user in
    # from this host alone (once; later runs find it there).
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | sort -V | tail -n1)
    [ -n "$hba" ] && [ -w "$hba" ] \
      || fail "PostgreSQL refuses the user postgres from 127.0.0.1 without a password (allow it with trust in pg_hba.conf)"
    say "allowing the user postgres from 127.0.0.1 without a password ($hba)"
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$(dirname "$hba")")")" main reload
    wait_for 30 "PostgreSQL access for postgres" psql -w -h 127.0.0.1 -U postgres -d postgres -Atqc "select 1"
  fi
fi
if [ -n "${SKIP_POSTGRES:-}" ]; then
  say "RabbitMQ (management API on $api_port) is ready"
else
  say "RabbitMQ (management API on $api_port) and PostgreSQL are ready"
fi
