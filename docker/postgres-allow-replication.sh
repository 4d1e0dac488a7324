#!/bin/sh
# Run once by the postgres image when it creates its cluster: the `postgres-replica` service
# streams from this server as the database's own account, from another container.
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
