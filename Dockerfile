# syntax=docker/dockerfile:1
# identity-relay: one multi-stage build for every service.
#
#   docker build -t identity-relay .                       # all services in one image (Compose, Helm)
#   docker run identity-relay node services/notifier/dist/main.js
#   docker build -t identity-relay-notifier \
#     --build-arg PRUNE_SCOPE=@identity-relay/notifier --build-arg SERVICE=notifier .   # one service only
#
# PRUNE_SCOPE: workspaces kept by `turbo prune` (with their dependencies). Keep one that depends on
#   @identity-relay/db (identity-sync, subscribers, notifier, ops) if the image also runs migrations.
# SERVICE: what the image runs by default and what its HEALTHCHECK probes.

ARG NODE_IMAGE=node:22-bookworm-slim

# --- 1. prune: the lock file and sources of the selected workspaces only ----------------------
FROM ${NODE_IMAGE} AS prune
ARG TURBO_VERSION=2.11.9
ARG PRUNE_SCOPE="@identity-relay/ingress @identity-relay/identity-sync @identity-relay/subscribers @identity-relay/notifier @identity-relay/ops"
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /repo
COPY . .
RUN npx --yes "turbo@${TURBO_VERSION}" prune ${PRUNE_SCOPE} --docker

# --- 2. build: install with dev dependencies, generate the Prisma client, compile, prune --------
FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
WORKDIR /app
# Manifests first so the dependency layer is reused while only sources change.
COPY --from=prune /repo/out/json/ ./
# Install scripts stay off (the root postinstall needs prisma/, copied below); generation runs explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY --from=prune /repo/out/full/ ./
COPY tsconfig.base.json prisma.config.ts ./
COPY prisma/ ./prisma/
COPY scripts/prisma-generate.mjs ./scripts/
RUN node scripts/prisma-generate.mjs \
 && npx turbo run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && find packages services -name '*.tsbuildinfo' -delete

# --- 3. runtime: slim Node, production dependencies, compiled services, migrations, non-root -----
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=ingress
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    MAIL_DIR=/app/var/mail
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/packages ./packages
COPY --from=build --chown=root:root /app/services ./services
# The migration runner reads ../../../prisma/migrations relative to packages/db/dist.
COPY --from=build --chown=root:root /app/prisma/migrations ./prisma/migrations
COPY infra/docker/healthcheck.mjs infra/docker/entrypoint.sh ./infra/docker/
COPY infra/process-env.mjs ./infra/process-env.mjs
# Code is root-owned and read-only for the service user; only var/ (mail files) is writable.
RUN mkdir -p /app/var/mail && chown -R node:node /app/var
USER node
EXPOSE 8080 8081 8082 8083 8084
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "infra/docker/healthcheck.mjs"]
# Runs `node services/${SERVICE}/dist/main.js` (or the command given) with the service's process settings
# (heap sizes, malloc arenas: infra/process-env.mjs), exec'd so the service receives SIGTERM itself.
ENTRYPOINT ["/bin/sh", "/app/infra/docker/entrypoint.sh"]
