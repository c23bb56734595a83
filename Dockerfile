# syntax=docker/dockerfile:1
# trueup's image: the TypeScript sources, run by Node 24's type stripping (no compile step), their
# production dependencies and the built console. Non-root (the image's `node` user, uid 1000) and
# fine with a read-only root filesystem: it writes only to /tmp, --cache-dir and --state-dir,
# which the Helm chart (helm/trueup) mounts.
#   docker build -t trueup/trueup:0.1.0 .
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so their layer is reused while the lockfile stays the same; `npm ci` installs
# exactly the lockfile. Scripts are skipped: the `node` devDependency would fetch a second
# Node, and `prepare` (the console build) needs the sources, copied next.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# The console needs the dev dependencies (vite, preact) to build; then they go, with the tests.
RUN npm run build:console \
 && npm prune --omit=dev --no-audit --no-fund \
 && find bin cli reconciler policies diagnose web ha local-fleet -name '*.test.ts' -delete \
 && rm reconciler/kube/build-client-node.ts \
 && rm -rf web/console/src

FROM ${NODE_IMAGE}
# git reads the fleet repo (ssh for ssh:// and git@ URLs, CA certificates for https); tini as PID 1
# forwards SIGTERM to node and reaps git's child processes. The state and cache folders exist for a
# plain `docker run`; the chart mounts volumes there.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/trueup /var/cache/trueup \
 && chown 1000:1000 /var/lib/trueup /var/cache/trueup
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/bin ./bin
COPY --from=build /src/cli ./cli
COPY --from=build /src/reconciler ./reconciler
COPY --from=build /src/policies ./policies
COPY --from=build /src/diagnose ./diagnose
COPY --from=build /src/web ./web
COPY --from=build /src/ha ./ha
# The local fleet `trueup demo` starts (it builds kube-apiserver and etcd, so the demo needs Go).
COPY --from=build /src/local-fleet ./local-fleet
ENV NODE_ENV=production HOME=/tmp
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/trueup.js"]
CMD ["serve", "--listen", "0.0.0.0:8080", "--state-dir", "/var/lib/trueup", "--cache-dir", "/var/cache/trueup"]
