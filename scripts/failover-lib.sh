# Helpers of scripts/failover-bench.sh (sourced), for the Raft and the etcd runs alike.

. "$(dirname "${BASH_SOURCE[0]}")/free-port.sh"

wait_for_port() { # port seconds
  local t
  for ((t = 0; t < $2 * 10; t++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

line_count() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

wait_for_line() { # file from-line text seconds pid: until a line after from-line contains text; fails if pid exits
  local file=$1 from=$2 text=$3 seconds=$4 pid=$5 t
  for ((t = 0; t < seconds * 10; t++)); do
    tail -n +"$((from + 1))" "$file" 2>/dev/null | grep -qF -- "$text" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

wait_until() { # seconds condition (evaluated every 100 ms)
  local seconds=$1 condition=$2 t
  for ((t = 0; t < seconds * 10; t++)); do
    eval "$condition" && return 0
    sleep 0.1
  done
  return 1
}

sleep_until_us() { # epoch µs
  local left=$(( $1 - $(date +%s%6N) ))
  [ "$left" -gt 0 ] && sleep "$(awk -v us="$left" 'BEGIN { printf "%.3f", us / 1e6 }')" || true
}

stop_pids() { # grace-seconds pid...: SIGTERM, then SIGKILL what is still running after the grace time
  local grace=$1 pid t alive; shift
  for pid in "$@"; do [ "$pid" -gt 0 ] 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true; done
  for ((t = 0; t < grace * 10; t++)); do
    alive=0
    for pid in "$@"; do [ "$pid" -gt 0 ] 2>/dev/null && kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "$@"; do
    [ "$pid" -gt 0 ] 2>/dev/null || continue
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# The per-kill lines and the summary of a results file as markdown.
print_failover_table() {
  echo "| system | kill | victim | load 1m | dead declared ms | campaign ms | elected ms | serving leader elected ms | survivor deactivations | last attempt on victim ended ms | first ack ms | elected -> ack ms | all clients ms | writes/s before | failed ops |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  jq -r 'select(.type == "kill") | [.system, .kill, .victimSilo, .loadAverage1m, .deadDeclaredMs, .campaignMs, .electedMs,
         .servingLeaderElectedMs, .survivorDeactivationsBeforeAck, .lastVictimAttemptEndedMs,
         .firstAckMs, .electedToAckMs, .allClientsAckedMs, .writesPerSecondBefore, .failedOperationsAfter]
         | map(if . == null then "-" else tostring end) | "| " + join(" | ") + " |"' "$1"
  jq -r 'select(.type == "summary") | "\n\(.system): \(.kills) kills, \(.clients) clients, \(.acknowledged) writes acknowledged, \(.failedOperations) failed (timed out)\n"
         + "first ack after kill -9: median \(.firstAckMs.median) ms, p90 \(.firstAckMs.p90) ms, max \(.firstAckMs.max) ms\n"
         + "  kill -> elected:       median \(.electedMs.median) ms, p90 \(.electedMs.p90) ms, max \(.electedMs.max) ms (first election after the kill)\n"
         + "  kill -> serving leader elected: median \(.servingLeaderElectedMs.median) ms, p90 \(.servingLeaderElectedMs.p90) ms, max \(.servingLeaderElectedMs.max) ms\n"
         + "  kill -> last client attempt on the victim ended: median \(.lastVictimAttemptEndedMs.median) ms, max \(.lastVictimAttemptEndedMs.max) ms\n"
         + "  elected -> first ack:  median \(.electedToAckMs.median) ms, p90 \(.electedToAckMs.p90) ms, max \(.electedToAckMs.max) ms\n"
         + "every client acked:      median \(.allClientsAckedMs.median) ms, p90 \(.allClientsAckedMs.p90) ms, max \(.allClientsAckedMs.max) ms\n"
         + "no acknowledged write lost: \(.verification.ok) (\(.verification.acknowledgedWrites) checked, \(.verification.lostWrites) lost, \(.verification.unexpectedValues) unexpected)"' "$1"
}
