# cstr-hub: one image for every app (hub, partner-sandbox, the five adapters) and the broker
# provisioning. Pick what a container runs with its command, e.g.
#   docker run --env-file … cstr-hub:local node dist/apps/ndelius-adapter/src/main.js
# No secret is baked in: every password and URL comes from the environment (see .env.example).

# --- build: compile with the dev dependencies, then drop them ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled code, production dependencies and config only ---
FROM node:24-bookworm-slim
# Production: the apps refuse dev-only values, missing secrets and the shipped demo principals.
ENV NODE_ENV=production
# The hub's principals: a file of the deployment's own, mounted here (docker-compose.yml mounts
# HUB_PRINCIPALS_FILE). config/principals.yaml in the image holds the demo principals only, which
# production refuses; a hub started without a mounted file stops, naming this path.
ENV PRINCIPALS_FILE=/etc/cstr-hub/principals.yaml
WORKDIR /app
# Owned by root and read-only to the app user: a compromised process cannot rewrite the code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# Data files read at run time: the UK Core kit (validation), the sandbox's seed data and the
# partner fixtures its stand-ins send.
COPY libs/fhir/ukcore ./libs/fhir/ukcore
COPY libs/fhir/test/fixtures/partner ./libs/fhir/test/fixtures/partner
COPY apps/partner-sandbox/data ./apps/partner-sandbox/data
# The hub's web console (static files it serves at /console).
COPY apps/hub/console ./apps/hub/console
# Apps bind HTTP_HOST, 127.0.0.1 unless set: a container needs HTTP_HOST=0.0.0.0 for its
# published port to reach it (docker-compose.yml sets it and publishes on the host's loopback).
# The hub's audit checkpoints (AUDIT_CHECKPOINT_DIR): a volume mounted here starts owned by the app user.
RUN mkdir -p /var/lib/cstr-hub/audit-checkpoints && chown node:node /var/lib/cstr-hub/audit-checkpoints
USER node
EXPOSE 3000
CMD ["node", "dist/apps/hub/src/main.js"]
