# syntax=docker/dockerfile:1

# ---- build: compile the TypeScript sources to dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's install script would fetch optional CUDA files; the CPU runtime ships in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY lib ./lib
COPY stores ./stores
COPY runtime ./runtime
COPY activities ./activities
COPY workflows ./workflows
COPY workers ./workers
COPY cli ./cli
RUN npm run build

# ---- runtime: production dependencies + compiled output, run as the unprivileged node user ----
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    MLOPS_HOME=/data/mlops \
    ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force
# The worker bundles workflow code at start from dist/workflows, so the compiled output is all it needs.
COPY --from=build /app/dist ./dist
# Owned by node so a named volume mounted here starts out writable for the worker.
RUN mkdir -p /data/mlops && chown node:node /data/mlops
USER node
EXPOSE 9464
CMD ["node", "dist/workers/main.js"]
