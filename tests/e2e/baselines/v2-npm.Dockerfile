# Hand-written "v2": pinned slim builder, npm ci of production dependencies, distroless runtime,
# non-root. What a careful engineer writes by hand for an npm app without a build step.
ARG NODE_VERSION=24.22.3
ARG NODE_MAJOR=24
ARG SUITE=trixie
ARG DISTRO=debian13
FROM node:${NODE_VERSION}-${SUITE}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .

FROM gcr.io/distroless/nodejs${NODE_MAJOR}-${DISTRO}:nonroot
WORKDIR /app
COPY --from=build /app /app
USER 65532
CMD ["bin/www"]
