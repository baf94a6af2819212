#!/usr/bin/env bash
# Redis 7 (Debian `redis-server`) for CoLink's real-adapter tests. Sourced by deploy/local/up.sh
# (after lib.sh). Not Debian's system instance (port 6379, /etc/redis): our own process, configured
# entirely on the command line, loopback only, no persistence (--save '', no AOF).
#
#   dir  $COLINK_LOCAL/redis     pid  $COLINK_LOCAL/run/redis.pid     log  $COLINK_LOCAL/log/redis.log
#   url  redis://127.0.0.1:$REDIS_PORT

redis_install() {
  apt_install redis-server   # pulls redis-tools (redis-cli)
}

redis_start() {
  redis_install
  if redis_health; then log "redis already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
  if pid_alive redis; then
    log "redis: pid file names a live process that does not answer PING; stopping it"
    stop_pid redis
  fi
  mkdir -p "$COLINK_LOCAL/redis"
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  redis-server \
    --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
    --daemonize yes --pidfile "$COLINK_LOCAL/run/redis.pid" \
    --dir "$COLINK_LOCAL/redis" --logfile "$COLINK_LOCAL/log/redis.log" \
    --save '' --appendonly no </dev/null
  wait_for redis 30 redis_health
}

redis_stop() {
  if pid_alive redis; then log "redis: stopping"; fi
  stop_pid redis
  # lost pid file, but the redis answering on our port is ours (same --dir): shut it down too
  if redis_health && [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get dir 2>/dev/null | sed -n 2p)" \
      == "$COLINK_LOCAL/redis" ]]; then
    log "redis: stopping (no pid file)"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
}

redis_health() {
  command -v redis-cli >/dev/null || return 1
  [[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}
