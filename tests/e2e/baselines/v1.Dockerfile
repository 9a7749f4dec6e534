# The classic first Dockerfile (the "v1" dockgen replaces): full image, major-only tag, the whole
# context, npm install, root, node as PID 1. Built without a .dockerignore, as such repos have none.
ARG NODE_MAJOR=24
FROM node:${NODE_MAJOR}
WORKDIR /app
COPY . ./
RUN npm install
ARG BUILD=true
RUN ${BUILD}
CMD ["node", "bin/www"]
