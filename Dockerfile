# syntax=docker/dockerfile:1
# bud-sandbox: a small, non-root image for integration tests.
# `npm run check:image` builds this file with a real engine and checks the
# image as a user would (scripts/check-image.ts).
#
# Behind a TLS-inspecting proxy, give npm the proxy's CA as a build secret:
#   docker build --secret id=ca,src=/path/to/proxy-ca.pem -t bud-sandbox .
# Without the secret the build is the same.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY src ./src
COPY scripts/build.mjs scripts/fingerprint.mjs scripts/bundle.ts ./scripts/
COPY fixtures ./fixtures
# The build starts the app once to record its compiled schemas; the pages read their templates then.
COPY views ./views
RUN npm run build

# The runtime holds no node_modules: dist/server.js bundles the server and
# its dependencies (scripts/bundle.ts), with what loads on demand (jose,
# pino-pretty) in chunks beside it (dist/_*.js) and Swagger UI's static files
# in dist/swagger-ui/. Source maps stay in the build stage.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
ENV HOST=0.0.0.0
ENV PORT=4010
WORKDIR /app
COPY package.json openapi.yaml ./
COPY fixtures ./fixtures
COPY views ./views
COPY --from=build /app/dist/server.js /app/dist/compiled-schemas.cjs /app/dist/openapi.json /app/dist/healthcheck.js ./dist/
COPY --from=build /app/dist/_*.js ./dist/
COPY --from=build /app/dist/swagger-ui ./dist/swagger-ui
# Mount your own fixtures here and point FIXTURES at them:
#   -v ./my-fixtures.json:/app/fixtures/custom.json -e FIXTURES=/app/fixtures/custom.json
# Keep the state across restarts in a volume at /data (docs/state.md):
#   -v bud-state:/data -e STATE_DIR=/data
RUN mkdir /data && chown node:node /data
USER node
EXPOSE 4010
HEALTHCHECK --interval=2s --timeout=3s --start-period=2s --retries=10 CMD ["node", "dist/healthcheck.js"]
# Node runs as PID 1 and handles SIGTERM/SIGINT itself (close-with-grace): it
# stops accepting, finishes in-flight requests and exits 0.
CMD ["node", "dist/server.js"]
