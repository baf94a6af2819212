#!/usr/bin/env bash
# ClamAV (Debian `clamav-daemon`) for CoLink's upload-scanning tests. Sourced by deploy/local/up.sh
# (after lib.sh). freshclam cannot reach ClamAV's mirrors from here, so clamd runs on our own tiny
# signature database, deploy/local/clamav/colink-test.hdb (an MD5 hash signature of the EICAR
# test file), with our own clamd.conf. Debian's system clamd/freshclam are not used.
#
#   conf  $COLINK_LOCAL/clamav/clamd.conf   db   $COLINK_LOCAL/clamav/db   tmp  $COLINK_LOCAL/clamav/tmp
#   pid   $COLINK_LOCAL/run/clamav.pid      log  $COLINK_LOCAL/log/clamav.log
#   tcp   127.0.0.1:$CLAMAV_PORT (clamd protocol: zPING, zINSTREAM, ...)

_CLAMAV_SIGS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../clamav" && pwd)/colink-test.hdb"
_clamav_dir() { printf '%s\n' "$COLINK_LOCAL/clamav"; }

# _clamav_stop_system_services: installing the packages may start Debian's own clamd and freshclam
# (systemd machines; policy-rc.d usually prevents it in containers). freshclam would retry the
# unreachable mirrors forever and the system clamd has no database, so stop them. Only called
# right after we installed the packages ourselves: a machine's pre-existing ClamAV is left alone.
_clamav_stop_system_services() {
  local unit
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    for unit in clamav-daemon clamav-freshclam clamav-clamonacc; do
      if systemctl is-active --quiet "$unit" 2>/dev/null; then
        log "clamav: stopping system service $unit (we run our own clamd)"
        systemctl stop "$unit" || true
      fi
    done
  else
    # no systemd: SysV scripts, if anything got started at all
    local pidf
    for unit in clamav-daemon:/run/clamav/clamd.pid clamav-freshclam:/run/clamav/freshclam.pid; do
      pidf="${unit#*:}"; unit="${unit%%:*}"
      if [[ -f "$pidf" ]] && kill -0 "$(cat "$pidf")" 2>/dev/null && [[ -x "/etc/init.d/$unit" ]]; then
        log "clamav: stopping system service $unit (we run our own clamd)"
        "/etc/init.d/$unit" stop >/dev/null 2>&1 || true
      fi
    done
  fi
}

clamav_install() {
  local fresh=""
  dpkg -s clamav-daemon >/dev/null 2>&1 && dpkg -s clamav >/dev/null 2>&1 || fresh=1
  apt_install clamav clamav-daemon
  [[ -z "$fresh" ]] || _clamav_stop_system_services
  command -v clamd >/dev/null || [[ -x /usr/sbin/clamd ]] || die "clamav: clamd not found after installing clamav-daemon"
  [[ -f "$_CLAMAV_SIGS" ]] || die "clamav: signature file $_CLAMAV_SIGS is missing"
}

# _clamav_config: our clamd.conf and database, rewritten on every start.
_clamav_config() {
  local dir; dir="$(_clamav_dir)"
  mkdir -p "$dir/db" "$dir/tmp"
  cp -f "$_CLAMAV_SIGS" "$dir/db/"
  cat >"$dir/clamd.conf" <<CONF
# Written by deploy/local/services/clamav.sh on every start: edits here are overwritten.
DatabaseDirectory $dir/db
TemporaryDirectory $dir/tmp
TCPSocket $CLAMAV_PORT
TCPAddr 127.0.0.1
Foreground no
PidFile $COLINK_LOCAL/run/clamav.pid
LogFile $COLINK_LOCAL/log/clamav.log
LogTime yes
LogClean no
# No User: clamd keeps the identity it was started with (root here), which can read our db
# under \$COLINK_LOCAL; the clamav user could not enter /root.
StreamMaxLength 100M
MaxFileSize 100M
MaxScanSize 400M
# our database only changes when this script restarts clamd
SelfCheck 0
Bytecode no
CONF
}

clamav_start() {
  clamav_install
  if clamav_health; then log "clamav already running on 127.0.0.1:$CLAMAV_PORT"; return 0; fi
  _clamav_config
  if pid_alive clamav; then
    log "clamav: clamd is running but not answering yet; waiting"
  else
    rm -f "$COLINK_LOCAL/run/clamav.pid"
    log "clamav: starting clamd on 127.0.0.1:$CLAMAV_PORT"
    # clamd daemonizes itself (Foreground no) once the database is loaded
    "$(command -v clamd || echo /usr/sbin/clamd)" --config-file="$(_clamav_dir)/clamd.conf" \
      </dev/null >>"$COLINK_LOCAL/log/clamav.log" 2>&1 \
      || { tail -n 20 "$COLINK_LOCAL/log/clamav.log" >&2; die "clamav: clamd failed to start"; }
  fi
  wait_for clamav 60 clamav_health
}

clamav_stop() {
  if pid_alive clamav; then log "clamav: stopping"; fi
  stop_pid clamav
}

# clamav_health: clamd answers zPING with PONG.
clamav_health() {
  local reply
  # shellcheck disable=SC2016 # expanded by the inner bash
  reply="$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "zPING\0" >&3
    IFS= read -r -d "" r <&3 || exit 1
    printf "%s" "$r"' _ "$CLAMAV_PORT" 2>/dev/null)" || return 1
  [[ "$reply" == PONG ]]
}
