# Production image of microcred: python:3.11-slim, a non-root user, migrations applied at start, then uvicorn.
#
#   docker build -t microcred .
#   docker run -e MICROCRED_MODE=production \
#              -e MICROCRED_DATABASE_URL=postgresql+psycopg://microcred:secret@db/microcred \
#              -e MICROCRED_KEY_ENCRYPTION_KEY=<32 bytes base64url> \
#              -e MICROCRED_PUBLIC_BASE_URL=https://issuer.example.eu -p 8000:8000 microcred
#
# The same image runs the verifier with: docker run ... microcred verifier   (see compose.yaml)
# MICROCRED_MODE must be given (production, or dev for a throwaway trial): the entrypoint refuses to start
# without it, and the image deliberately sets none.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MICROCRED_HOST=0.0.0.0 \
    MICROCRED_DATA_DIR=/var/lib/microcred

WORKDIR /srv/microcred

# Dependencies first (cached layer), pinned exactly as in development.
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --home-dir /var/lib/microcred --create-home microcred

COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh

USER microcred
EXPOSE 8000 8001
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["issuer"]
