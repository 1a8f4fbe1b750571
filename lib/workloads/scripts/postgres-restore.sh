# Restores one archive of the nightly backup (BACKUP_DIR/RESTORE_ARCHIVE) into PGDATABASE on PGHOST.
# It proves the archive is whole first, refuses a database that already holds tables or other
# relations, and restores in one transaction: any failure exits non-zero and leaves the database
# exactly as it was (empty).
set -Eeuo pipefail

: "${PGHOST:?PGHOST is not set}" "${PGDATABASE:?PGDATABASE is not set}" "${PGUSER:?PGUSER is not set}"
: "${BACKUP_DIR:?BACKUP_DIR is not set}" "${RESTORE_ARCHIVE:?RESTORE_ARCHIVE is not set}"

log() { printf '%s postgres-restore: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

case "$RESTORE_ARCHIVE" in
  */* | .* | *[!A-Za-z0-9._-]*) log "RESTORE_ARCHIVE '${RESTORE_ARCHIVE}' must be a file name in ${BACKUP_DIR}"; exit 2 ;;
esac
archive="${BACKUP_DIR}/${RESTORE_ARCHIVE}"
if [ ! -s "$archive" ]; then
  log "no archive ${archive}; the archives there are:"
  find "$BACKUP_DIR" -maxdepth 1 -type f -name '*.sql.gz' -printf '%f\n' | sort >&2
  exit 1
fi

gzip -t -- "$archive"
trailer="$(gzip -dc -- "$archive" | tail -n 20)"
if ! grep -q '^-- PostgreSQL database dump complete' <<< "$trailer"; then
  log "${archive} has no completion marker: refusing to restore a partial dump"
  exit 1
fi

relations="$(psql --no-password -X -At -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'")"
if [ "$relations" != 0 ]; then
  log "database ${PGDATABASE} on ${PGHOST} already holds ${relations} relations: restore into an empty database"
  exit 1
fi

log "restoring ${archive} into ${PGDATABASE}@${PGHOST} as ${PGUSER}"
gzip -dc -- "$archive" | psql --no-password -X -q -v ON_ERROR_STOP=1 --single-transaction --dbname="$PGDATABASE" > /dev/null
log "done: $(psql --no-password -X -At -c "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") tables restored"
