# OpenQualify: the iQualify Management API v1. Sandbox on an embedded SQLite file by default:
#   docker build -t openqualify . && docker run -p 8000:8000 -v openqualify-data:/data openqualify
# Production on PostgreSQL with several workers: compose.yaml.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY src ./src
# The project with the exact versions of the lock (pyproject.toml holds ranges; scripts/lock.sh refreshes the lock).
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[server]" -c constraints.txt \
    && useradd --create-home --uid 10001 openqualify \
    && mkdir /data \
    && chown openqualify /data

USER 10001
VOLUME ["/data"]
ENV OPENQUALIFY_DATABASE_URL=sqlite:////data/openqualify.db \
    OPENQUALIFY_HOST=0.0.0.0 \
    OPENQUALIFY_PORT=8000
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('OPENQUALIFY_PORT', '8000') + '/health', timeout=4)"]

ENTRYPOINT ["openqualify"]
CMD ["serve", "--demo"]
