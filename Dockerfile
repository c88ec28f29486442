# Lookout collector image (also runs the compose demo, the alert console and the
# one-shot `lookout slo rules` / `lookout dashboards build` steps).
#   docker build -t lookout .
#   docker run -p 4317:4317 -p 4318:4318 -v $PWD/lookout.yaml:/etc/lookout/lookout.yaml lookout

# Build: install every workspace (better-sqlite3 compiles from source, hence the
# toolchain), compile TypeScript, then drop the dev dependencies.
FROM node:20.20.2-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf test bench scripts docs dashboards/testdata

# Run: the compiled workspaces and their production dependencies, no toolchain.
FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /data /etc/lookout && chown node:node /data
USER node
EXPOSE 4317 4318
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4318/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "collector/bin/lookout.mjs"]
CMD ["collector", "--config", "collector/deploy/lookout.compose.yaml"]
