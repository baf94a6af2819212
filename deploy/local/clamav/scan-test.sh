#!/usr/bin/env bash
# Checks the local clamd (deploy/local/services/clamav.sh) end to end over its TCP protocol, the
# way CoLink's scanner adapter talks to it: zPING, then zINSTREAM of the EICAR test file (must be
# FOUND) and of clean data (must be OK). Pure bash (/dev/tcp), no client tools needed.
# Usage: deploy/local/clamav/scan-test.sh   (CLAMAV_PORT from lib.sh, default 53310)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=SCRIPTDIR/../lib.sh
source "$here/lib.sh"

# clamd_cmd CMD [FILE]: sends zCMD (and, for INSTREAM, FILE as one chunk), prints the reply.
clamd_cmd() {
  local cmd="$1" file="${2:-}" size reply
  exec 3<>"/dev/tcp/127.0.0.1/$CLAMAV_PORT"
  printf 'z%s\0' "$cmd" >&3
  if [[ "$cmd" == INSTREAM ]]; then
    size="$(stat -c %s "$file")"
    # chunk: 4-byte big-endian length, the bytes; a zero length ends the stream
    # shellcheck disable=SC2059
    printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' \
      $(( size >> 24 & 255 )) $(( size >> 16 & 255 )) $(( size >> 8 & 255 )) $(( size & 255 )))" >&3
    cat "$file" >&3
    printf '\0\0\0\0' >&3
  fi
  IFS= read -r -d '' reply <&3 || true
  exec 3>&-
  printf '%s\n' "$reply"
}

tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2016 # the EICAR string, literally
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$tmp/eicar.com"
printf 'hello from colink\n' >"$tmp/clean.txt"
head -c 3000000 /dev/urandom >"$tmp/clean.bin"

passed=0 failed=0
check() { # check NAME EXPECTED_REGEX ACTUAL
  if [[ "$3" =~ $2 ]]; then
    printf 'ok    %-18s %s\n' "$1" "$3"; passed=$((passed + 1))
  else
    printf 'FAIL  %-18s got %q, want /%s/\n' "$1" "$3" "$2"; failed=$((failed + 1))
  fi
}

check ping '^PONG$' "$(timeout 10 bash -c "$(declare -f clamd_cmd); CLAMAV_PORT=$CLAMAV_PORT clamd_cmd PING")"
check "eicar (68 bytes)" '^stream: Colink\.Test\.EICAR.* FOUND$' "$(clamd_cmd INSTREAM "$tmp/eicar.com")"
check "clean text" '^stream: OK$' "$(clamd_cmd INSTREAM "$tmp/clean.txt")"
check "clean 3 MB random" '^stream: OK$' "$(clamd_cmd INSTREAM "$tmp/clean.bin")"
echo "$passed passed, $failed failed"
(( failed == 0 ))
