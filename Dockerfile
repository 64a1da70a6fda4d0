# MASH Gateway: one image, the role chosen by MASH_ROLE (all | gateway | worker).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build output:
# the builder stage only installs production dependencies (msgpackr-extract compiles natively).

FROM node:24-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
ENV SCARF_ANALYTICS=false
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MASH_DATA_DIR=/var/lib/mash
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY contracts ./contracts
COPY examples ./examples
# The agency simulators (a product part, docs/decisions.md): started only in embedded mode, with
# MASH_SIMULATORS=on, or as the compose simulators service.
COPY simulators ./simulators
RUN mkdir -p /var/lib/mash && chown node:node /var/lib/mash
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Workers answer no HTTP; their health is the queue's (override the healthcheck for them).
CMD ["node", "src/main.ts"]
