# syntax=docker/dockerfile:1
# Build stage: install everything and compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY config ./config
RUN npm run build && cp -r src/db/migrations dist/src/db/migrations && cp src/i18n/*.json dist/src/i18n/ && npm prune --omit=dev

# Runtime stage: compiled code, production dependencies, views and static files; runs as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY static ./static
COPY config ./config
COPY content ./content
RUN useradd --system --uid 10001 --home /app mastery && mkdir -p /data && chown mastery /data
USER mastery
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
