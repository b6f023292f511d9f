#!/bin/sh
# issuer (default): apply migrations, then serve the issuer app. verifier: serve the verifier app (no database).
# Anything else runs as given (e.g. `microcred registry ...`), with the same settings check first.
set -eu

# The settings default to dev mode, which makes its own key-encryption key and admin token inside the container
# and accepts SQLite: an image started without saying which mode it is in must not quietly become a dev server.
case "${MICROCRED_MODE:-}" in
    production | dev) ;;
    "")
        echo "docker-entrypoint: refusing to start: set MICROCRED_MODE explicitly (production, or dev for a throwaway" \
            "trial); see the README's settings table" >&2
        exit 64
        ;;
    *)
        echo "docker-entrypoint: refusing to start: MICROCRED_MODE must be production or dev, not '${MICROCRED_MODE}'" >&2
        exit 64
        ;;
esac

role="${1:-issuer}"
# --no-access-log: uvicorn's access line would carry the whole URL, query string included; the app logs each
# request itself, with capability secrets redacted.
case "$role" in
    issuer)
        microcred migrate
        exec uvicorn --factory microcred.app.main:issuer_app_from_env --host "${MICROCRED_HOST}" \
            --port "${MICROCRED_ISSUER_PORT:-8000}" --proxy-headers --no-access-log
        ;;
    verifier)
        exec uvicorn --factory microcred.app.main:verifier_app_from_env --host "${MICROCRED_HOST}" \
            --port "${MICROCRED_VERIFIER_PORT:-8001}" --proxy-headers --no-access-log
        ;;
    *)
        exec "$@"
        ;;
esac
