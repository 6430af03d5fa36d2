# The Ledger app. Build: docker build -t ledger .  Run: see docker-compose.yml and deploy/.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The build compiles src/, test-kit/ and bench/; only dist/src is copied below.
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# tini as PID 1: it forwards SIGTERM to the app (which drains and stops cleanly) and reaps
# orphaned children, the embedded PostgreSQL's among them.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# In a container the app must answer on the container's interface, not only its loopback.
# LEDGER_DATA_DIR: the embedded PostgreSQL's data (no DATABASE_URL) and a generated token
# secret (no LEDGER_JWT_SECRET); a volume, writable by the app's user.
# npm (for `npm run ledger` inside the image) keeps its cache and logs under /tmp, so the
# image's own files can stay read-only.
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=3000 \
  LEDGER_DATA_DIR=/var/lib/ledger \
  NPM_CONFIG_CACHE=/tmp/.npm \
  NPM_CONFIG_UPDATE_NOTIFIER=false
RUN mkdir -p /var/lib/ledger && chown node:node /var/lib/ledger
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/admin/dist ./admin/dist
COPY --from=build /app/package.json ./
COPY --from=build /app/scripts/ledger.mjs ./scripts/
VOLUME /var/lib/ledger
# The node image's unprivileged user (uid 1000); the files above stay root's, read-only to it.
USER node
EXPOSE 3000
# Liveness only: a replica whose dependencies are down is not restarted for it. Slim images
# have no curl, so Node's fetch asks, bounded by a timeout.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/live`, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
