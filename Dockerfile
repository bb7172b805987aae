# foundry-relay on Debian with Debian's headless Chromium. The steps are scripts/setup.sh's
# (the same apt packages, the same venv), so what the tests run is what the image runs.
#   docker build -t foundry-relay .
#   docker run -p 3010:3010 -v relay-data:/data foundry-relay
FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3010 \
    DATA_DIR=/data

RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      python3 python3-venv ca-certificates chromium-headless-shell chromium fonts-liberation libatomic1 \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/relay --uid 10001 relay \
 && mkdir -p /data /app && chown relay:relay /data /app
WORKDIR /app
COPY --chown=relay:relay pyproject.toml README.md ./
COPY --chown=relay:relay src ./src
COPY --chown=relay:relay scripts ./scripts

USER relay
# Chromium is already installed above, so setup.sh only builds the venv (with PostgreSQL's
# driver, for DATABASE_URL; Redis's client is always there).
RUN bash scripts/setup.sh postgres
ENV PATH=/app/.venv/bin:$PATH

VOLUME ["/data"]
EXPOSE 3010
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python3 -c "import os,urllib.request;urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('PORT','3010'), timeout=4)"
CMD ["foundry-relay", "serve"]
