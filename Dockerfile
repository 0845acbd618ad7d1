# deltaview as a container: Node 20 on Debian, the app run with tsx (no build step).
# PostgreSQL, Redis and Kafka are reached through DATABASE_URL, REDIS_URL and
# KAFKA_BROKERS (see docker-compose.yml); nothing embedded is started here.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY migrations ./migrations
COPY tsconfig.json ./
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
USER node
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/main.ts"]
