#!/usr/bin/env bash
# The webhook benchmark and soak: `podsec serve` over TLS on loopback,
# driven by wrk with a recorded Pod AdmissionReview (bench/data/pod-review.json:
# three containers, 5.6 KB, one of them over-privileged, so every answer is
# a real denial in the controller's words), beside the same server
# answering a trivial "allowed" with nothing evaluated: `--trivial decode`
# (the review decoded whole into a JSON value, as a minimal webhook built on
# kube-rs' AdmissionReview<DynamicObject> or controller-runtime decodes it:
# the baseline of the 80% target) and `--trivial uid` (only the uid read,
# the object skipped: the floor of TLS, HTTP and the envelope).
#
#   bench/serve.sh            20 s at 16 and 64 connections, each handler,
#                             then a soak of >= 1,000,000 requests
#   SOAK=0 bench/serve.sh     no soak
#   DURATION=5 bench/serve.sh shorter runs (the figures are the 20 s ones)
#
# Prints requests/s and p50/p90/p99 latency per run, the ratio to the
# trivial handler, RSS after warm-up and after the soak, and each target
# with ok/MISSED. wrk is installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
SOAK=${SOAK:-1}
SOAK_REQUESTS=${SOAK_REQUESTS:-1000000}
THREADS=${WRK_THREADS:-2}

if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)" >&2
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null;
    else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

cargo build --release --quiet
BIN=$PWD/target/release/podsec
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN" serve certs --out "$WORK/certs" --dns localhost >/dev/null 2>&1

cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$PWD/bench/data/pod-review.json", "rb")
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d rps=%.1f p50=%.3f p90=%.3f p99=%.3f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
EOF

PORT=18443
start() { # extra args...
    "$BIN" serve --addr 127.0.0.1:$PORT --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" "$@" 2>"$WORK/serve.log" &
    SERVER=$!
    for _ in $(seq 50); do
        curl -s --cacert "$WORK/certs/ca.crt" "https://localhost:$PORT/healthz" >/dev/null && return
        sleep 0.1
    done
    echo "the server did not start" >&2; cat "$WORK/serve.log" >&2; exit 1
}
stop() { kill -TERM "$SERVER"; wait "$SERVER" || true; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
run() { # connections duration
    wrk -t "$THREADS" -c "$1" -d "$2s" -s "$WORK/post.lua" "https://localhost:$PORT/validate?timeout=10s" | grep '^RESULT'
}

# The answer is what the API server would get: a denial.
start
ANSWER=$(curl -s --cacert "$WORK/certs/ca.crt" --data-binary @bench/data/pod-review.json "https://localhost:$PORT/validate")
echo "answer: ${ANSWER:0:160}..."
stop

declare -A R
for handler in podsec trivial uid-only; do
    case $handler in
        trivial) start --trivial decode ;;
        uid-only) start --trivial uid ;;
        *) start ;;
    esac
    run 16 3 >/dev/null # warm-up
    for c in 16 64; do
        line=$(run $c "$DURATION")
        R[$handler,$c]=$line
        echo "$handler c=$c: ${line#RESULT }"
    done
    stop
done

field() { sed -E "s/.* $2=([0-9.]+).*/\1/" <<<"$1"; }
status=0
check() { # description ok?
    if [ "$2" = 1 ]; then echo "ok      $1"; else echo "MISSED  $1"; status=1; fi
}
p16=${R[podsec,16]}; t16=${R[trivial,16]}; p64=${R[podsec,64]}; t64=${R[trivial,64]}
rps16=$(field "$p16" rps); p99=$(field "$p16" p99)
ratio16=$(awk -v a="$rps16" -v b="$(field "$t16" rps)" 'BEGIN {printf "%.2f", a / b}')
ratio64=$(awk -v a="$(field "$p64" rps)" -v b="$(field "$t64" rps)" 'BEGIN {printf "%.2f", a / b}')
echo
check ">= 10000 requests/s at 16 connections: $rps16" "$(awk -v x="$rps16" 'BEGIN {print (x >= 10000)}')"
check "p99 < 5 ms at 16 connections: $p99 ms" "$(awk -v x="$p99" 'BEGIN {print (x < 5)}')"
check ">= 80% of the trivial handler at 16 connections: $ratio16" "$(awk -v x="$ratio16" 'BEGIN {print (x >= 0.8)}')"
echo "        (64 connections: $(field "$p64" rps) requests/s, p99 $(field "$p64" p99) ms, $ratio64 of trivial)"
echo "        (uid-only floor at 16 connections: $(field "${R[uid-only,16]}" rps) requests/s; podsec is $(awk -v a="$rps16" -v b="$(field "${R[uid-only,16]}" rps)" 'BEGIN {printf "%.2f", a / b}') of it)"
for k in "${!R[@]}"; do
    [ "$(field "${R[$k]}" errors)" = 0 ] || { echo "MISSED  no errors: $k ${R[$k]}"; status=1; }
done

if [ "$SOAK" = 1 ]; then
    start
    run 16 5 >/dev/null
    warm=$(rss)
    # Sized from the measured rate so that at least SOAK_REQUESTS are sent.
    secs=$(awk -v n="$SOAK_REQUESTS" -v r="$rps16" 'BEGIN {s = int(n / r * 1.15) + 5; print s}')
    line=$(run 16 "$secs")
    end=$(rss)
    stop
    n=$(field "$line" requests)
    growth=$(awk -v a="$warm" -v b="$end" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
    echo "soak: ${line#RESULT } in ${secs}s; RSS ${warm} KiB after warm-up, ${end} KiB at the end (${growth}%)"
    check "soak of >= $SOAK_REQUESTS requests: $n" "$(awk -v x="$n" -v m="$SOAK_REQUESTS" 'BEGIN {print (x >= m)}')"
    check "RSS at the end within 10% of after warm-up: ${growth}%" "$(awk -v g="$growth" 'BEGIN {print (g <= 10 && g >= -10)}')"
    [ "$(field "$line" errors)" = 0 ] || { echo "MISSED  soak without errors"; status=1; }
fi
exit $status
