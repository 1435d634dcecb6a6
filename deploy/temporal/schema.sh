#!/bin/sh
# One-shot, run in the temporalio/admin-tools image before the Temporal
# server starts: creates Temporal's two PostgreSQL databases and brings
# their schemas to the version this image ships. Running it again is
# harmless: an existing database is kept and only missing schema versions
# are applied.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS must name the PostgreSQL host}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${POSTGRES_PWD:?POSTGRES_PWD must be set}"
schemas=/etc/temporal/schema/postgresql/v12

sql() {
	temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" \
		-u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
	db=${pair%%:*}
	dir=${pair##*:}
	# CREATE DATABASE fails when the database exists; a failure to reach
	# PostgreSQL shows up in the next command, which needs it too.
	sql --db "$db" create || echo "database $db exists; keeping it"
	sql --db "$db" setup-schema -v 0.0
	sql --db "$db" update-schema -d "$schemas/$dir/versioned"
done
echo "Temporal schemas are up to date"
