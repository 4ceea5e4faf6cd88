# Tmates API / worker image. The same image runs `serve` and `worker`; see docker-compose.yml.
# Stage 1 builds the web app (Vite is a dev dependency); the runtime stage copies only its output.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY clients ./clients
COPY scripts/build-web.ts ./scripts/
RUN npm run build:web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 TMATES_HOME=/var/lib/tmates
COPY package.json package-lock.json ./
# `prepare` (the web build) skips itself here: Vite is not installed without dev dependencies.
COPY scripts/build-web.ts ./scripts/
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
COPY --from=web /app/clients/web/dist ./clients/web/dist
RUN mkdir -p /var/lib/tmates && chown node:node /var/lib/tmates
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/tmates.js"]
CMD ["serve"]
