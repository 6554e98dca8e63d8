#!/bin/sh
# One database per service, each owned by a role of its own that can connect
# to nothing else. Run once by the postgres image on an empty data volume.
# Passwords come from <SERVICE>_DB_PASSWORD in the container's environment;
# DB_PREFIX (optional, empty by default) prefixes the database and role names.
set -eu

for service in accounts declarations tenants review notify; do
  var="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$var" || true)"
  if [ -z "$password" ]; then
    echo "$var is not set" >&2
    exit 1
  fi
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v service="${DB_PREFIX:-}$service" -v password="$password" <<'SQL'
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
GRANT ALL ON DATABASE :"service" TO :"service";
SQL
done
