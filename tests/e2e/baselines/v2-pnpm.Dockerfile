# Hand-written "v2" for a pnpm app: pinned slim builder, frozen production install, distroless runtime.
ARG NODE_VERSION=24.22.3
ARG NODE_MAJOR=24
ARG SUITE=trixie
ARG DISTRO=debian13
ARG PNPM_VERSION=10.34.9
FROM node:${NODE_VERSION}-${SUITE}-slim AS build
ARG PNPM_VERSION
RUN npm install -g pnpm@${PNPM_VERSION}
WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN pnpm install --frozen-lockfile --prod
COPY . .

FROM gcr.io/distroless/nodejs${NODE_MAJOR}-${DISTRO}:nonroot
WORKDIR /app
COPY --from=build /app /app
USER 65532
CMD ["server.js"]
