# Hand-written "v2" for an npm app with a build step (TypeScript): all deps to build, then prune.
ARG NODE_VERSION=24.22.3
ARG NODE_MAJOR=24
ARG SUITE=trixie
ARG DISTRO=debian13
FROM node:${NODE_VERSION}-${SUITE}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM gcr.io/distroless/nodejs${NODE_MAJOR}-${DISTRO}:nonroot
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
USER 65532
CMD ["dist/index.js"]
