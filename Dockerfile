# syntax=docker/dockerfile:1
# One image for every process of ours; the compose file picks the entry point:
#   node dist/server/main.js            the facade (RUN_WORKER=false to scale the worker apart)
#   node dist/server/worker-main.js     the service worker alone (/metrics and /healthz on PORT)
#   node dist/examples/demo-worker.js   the example application worker (app "demo")

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: all dependencies, TypeScript to dist/ -------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The SDK is a workspace package (@delay-callback/client): npm ci needs its manifest.
COPY client-sdk/package.json ./client-sdk/package.json
# Install scripts off, as npm 11 does for the project (every native part ships prebuilt).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY workflows ./workflows
COPY activities ./activities
COPY shared ./shared
COPY server ./server
COPY client-sdk ./client-sdk
COPY scripts ./scripts
COPY examples ./examples
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: production dependencies and dist/ only, as the unprivileged `node` user ----------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Code and dependencies stay root-owned and read-only to the process that runs them.
USER node
EXPOSE 8080
# The facade; no HEALTHCHECK here because each process answers on a different path
# (the compose file sets one per service: /readyz for the facade, /healthz for the worker).
CMD ["node", "dist/server/main.js"]
