#!/bin/sh
# The image's entrypoint. Without a command it runs the image's SERVICE (`node services/$SERVICE/dist/main.js`).
# When the command runs a service (the default, `docker run … node services/<name>/dist/main.js`, Compose), the
# service's process settings from infra/process-env.mjs go into the environment first (the Helm chart sets the
# same ones as pod env); any other command runs as given. `exec`, so the service is PID 1 and receives SIGTERM
# for its graceful shutdown.
set -e
if [ "$#" -eq 0 ]; then set -- node "services/${SERVICE}/dist/main.js"; fi
service=$(printf '%s\n' "$*" | sed -n 's#^node services/\([a-z-]*\)/dist/main\.js.*#\1#p')
if [ -n "$service" ]; then
  eval "$(node "$(dirname "$0")/../process-env.mjs" "$service")"
fi
exec "$@"
