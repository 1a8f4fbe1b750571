# Uploads the archive the dump step just verified (its path is in LAST_ARCHIVE_FILE) to
# s3://S3_BUCKET/S3_PREFIX and checks the stored size. Any failure exits non-zero.
set -Eeuo pipefail

: "${LAST_ARCHIVE_FILE:?LAST_ARCHIVE_FILE is not set}" "${S3_BUCKET:?S3_BUCKET is not set}"
archive="$(cat -- "$LAST_ARCHIVE_FILE")"
if [ ! -s "$archive" ]; then
  echo "s3-upload: archive '${archive}' is missing or empty" >&2
  exit 1
fi
key="${S3_PREFIX:-}$(basename -- "$archive")"
endpoint=()
if [ -n "${S3_ENDPOINT:-}" ]; then
  endpoint=(--endpoint-url "$S3_ENDPOINT")
fi

aws ${endpoint[@]+"${endpoint[@]}"} s3 cp --only-show-errors -- "$archive" "s3://${S3_BUCKET}/${key}"
stored="$(aws ${endpoint[@]+"${endpoint[@]}"} s3api head-object --bucket "$S3_BUCKET" --key "$key" --query ContentLength --output text)"
local_size="$(wc -c < "$archive" | tr -d ' ')"
if [ "$stored" != "$local_size" ]; then
  echo "s3-upload: s3://${S3_BUCKET}/${key} holds ${stored} bytes, expected ${local_size}" >&2
  exit 1
fi
echo "s3-upload: uploaded s3://${S3_BUCKET}/${key} (${stored} bytes)" >&2
