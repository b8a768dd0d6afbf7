# polychat container image (README: "Running in production").
#   docker build -t polychat .
# Three stages from one base: a toolchain, the TypeScript build (dev dependencies live only there),
# and the production dependencies; the image itself gets the compiled app and those alone.

# Native modules (better-sqlite3, sqlite3) compile from source when no prebuilt binary fits,
# so the stages that install dependencies have python3, make and g++. Both install on the same
# base as the image, so the binaries they build run there.
FROM node:20-slim AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

FROM toolchain AS build
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM toolchain AS production-dependencies
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
# package.json: the app is an ES module package ("type": "module").
COPY package.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The default STORE_URL (sqlite://data/polychat.sqlite) lives here; the app itself only reads the rest.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, node itself as PID 1: SIGTERM reaches the app (no npm or shell in between), which
# drains its turns (up to 25 s) and exits 0.
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
