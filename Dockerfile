# cop-bot in a container: non-root, data in one volume, the token from the environment.
#
#   docker build -t cop-bot .
#   docker run -d --name cop-bot --restart unless-stopped \
#       -e DISCORD_TOKEN=... -v cop-data:/data cop-bot
#
# Put config.toml in the volume (/data/config.toml) first; README.md, "Deployment", says how.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A dedicated user (uid 10001) that owns only /data.
RUN groupadd --system --gid 10001 cop \
    && useradd --system --uid 10001 --gid cop --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin cop \
    && mkdir /data \
    && chown cop:cop /data \
    && chmod 700 /data

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY emulator ./emulator
COPY migrations ./migrations
RUN pip install --no-cache-dir . \
    && rm -rf /src

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# config.toml in the volume; the database, backups and the data key file go to /data/data/
# by default (back up the whole volume). DISCORD_TOKEN comes from `docker run -e`.
ENV COP_CONFIG=/data/config.toml

# Healthy while the bot is connected to Discord: it touches a heartbeat file every 30 s.
HEALTHCHECK --interval=60s --timeout=15s --start-period=120s --retries=3 \
    CMD ["python", "-m", "bot", "health"]

ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
