# syntax=docker/dockerfile:1
# bud-sandbox: a small, non-root image for integration tests.
# scripts/check-docker-runtime.ts replays the runtime stage outside Docker
# (it parses this file), so keep each step a plain ENV/WORKDIR/COPY/RUN/USER/
# EXPOSE/HEALTHCHECK/CMD instruction. Build with BuildKit (the default).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY src ./src
COPY scripts/build.mjs scripts/fingerprint.mjs scripts/bundle.ts ./scripts/
COPY fixtures ./fixtures
RUN npm run build

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
ENV HOST=0.0.0.0
ENV PORT=4010
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache lives in a build cache mount, never in the image.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY fixtures ./fixtures
COPY openapi.yaml ./
# Mount your own fixtures here and point FIXTURES at them:
#   -v ./my-fixtures.json:/app/fixtures/custom.json -e FIXTURES=/app/fixtures/custom.json
USER node
EXPOSE 4010
HEALTHCHECK --interval=2s --timeout=3s --start-period=2s --retries=10 CMD ["node", "dist/healthcheck.js"]
# Node runs as PID 1 and handles SIGTERM/SIGINT itself (close-with-grace): it
# stops accepting, finishes in-flight requests and exits 0.
CMD ["node", "dist/server.js"]
