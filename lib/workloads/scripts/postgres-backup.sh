# Dumps one PostgreSQL database into BACKUP_DIR as <prefix>_<UTC time>.sql.gz, proves the archive
# is whole, and only then deletes this job's own archives older than RETENTION_DAYS.
# Any failure (pg_dump, gzip, a full disk, a truncated dump) exits non-zero and leaves no archive.
set -Eeuo pipefail
umask 077

: "${PGHOST:?PGHOST is not set}" "${PGDATABASE:?PGDATABASE is not set}" "${PGUSER:?PGUSER is not set}"
: "${BACKUP_DIR:?BACKUP_DIR is not set}" "${RETENTION_DAYS:?RETENTION_DAYS is not set}"
prefix="${BACKUP_PREFIX:-$PGDATABASE}"
case "$RETENTION_DAYS" in '' | *[!0-9]* | 0) echo "RETENTION_DAYS must be a whole number >= 1" >&2; exit 2 ;; esac

log() { printf '%s postgres-backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

archive="${BACKUP_DIR}/${prefix}_$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
partial="${archive}.partial"
trap 'rm -f -- "$partial"' EXIT

log "dumping ${PGDATABASE}@${PGHOST} to ${archive}"
pg_dump --no-password --dbname="$PGDATABASE" | gzip -c > "$partial"

gzip -t -- "$partial"
trailer="$(gzip -dc -- "$partial" | tail -n 20)"
if ! grep -q '^-- PostgreSQL database dump complete' <<< "$trailer"; then
  log "the dump has no completion marker: refusing to keep it"
  exit 1
fi
mv -- "$partial" "$archive"
log "verified $(wc -c < "$archive") bytes"
if [ -n "${LAST_ARCHIVE_FILE:-}" ]; then
  printf '%s\n' "$archive" > "$LAST_ARCHIVE_FILE"
fi

find "$BACKUP_DIR" -maxdepth 1 -type f -name "${prefix}_????????T??????Z.sql.gz" \
  -mmin "+$((RETENTION_DAYS * 1440))" -print -delete | sed 's/^/deleted /' >&2
find "$BACKUP_DIR" -maxdepth 1 -type f -name "${prefix}_*.sql.gz.partial" -mmin +1440 -delete
log "done"
