#!/bin/sh
# issuer (default): apply migrations, then serve the issuer app. verifier: serve the verifier app (no database).
set -eu
role="${1:-issuer}"
case "$role" in
    issuer)
        microcred migrate
        exec uvicorn --factory app.main:issuer_app_from_env --host "${MICROCRED_HOST}" \
            --port "${MICROCRED_ISSUER_PORT:-8000}" --proxy-headers
        ;;
    verifier)
        exec uvicorn --factory app.main:verifier_app_from_env --host "${MICROCRED_HOST}" \
            --port "${MICROCRED_VERIFIER_PORT:-8001}" --proxy-headers
        ;;
    *)
        exec "$@"
        ;;
esac
