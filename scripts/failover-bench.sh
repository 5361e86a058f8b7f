#!/usr/bin/env bash
# Failover benchmark (issue 14): how long after kill -9 of the silo hosting the Raft leader does the next write commit?
#
# Starts 3 silo processes on loopback, one peer each (kv/i pinned to silo si, SQLite with fsync, the silo's default
# Raft timeouts), with the membership table in Azure Table storage on a local Azurite that the script starts, and
# `Raft.Benchmarks failover-load`: --clients KeyValueClients (the library's default retries and timeouts) appending
# their own sequence numbers to their own keys. Then --kills times: find the leader, kill -9 its silo, keep it down for
# --down, start it again, wait until it has rejoined (its peer follows the leader in the current term) and caught up
# (applied everything committed before it came back), let the load settle for --settle, next kill.
# Per kill it reports, in ms after the kill -9 (docs/benchmarks.md, "Failover", has the full list):
#   firstAckMs                the first write acknowledged to a client after the kill (answered by a survivor): the number
#   campaignMs, electedMs     a survivor stood for election / won one (from the survivors' logs)
#   servingLeaderElectedMs    the election of the leader that served the first ack (later when a survivor's peer was
#                             deactivated and the group elected again); electedToAckMs = firstAckMs - this
#   deadDeclaredMs            a survivor saw the killed silo declared Dead by Orleans' membership
#   lastVictimAttemptEndedMs  when the clients' last attempt on the killed peer ended (timeout, rejection)
#   allClientsAckedMs         every client had had a write acknowledged again
# and at the end the median, p90 and max over the kills, and whether every acknowledged append is readable with its
# value (no acknowledged write lost across all the kills; the exit code is 1 if one was).
# Every process it starts is stopped again by pid, also on Ctrl+C or failure.
#
#   scripts/failover-bench.sh                         # 20 kills, 64 clients (~10 min on a quiet 2-core machine)
#   nice -n 5 scripts/failover-bench.sh --kills 3     # a short validation run
#   scripts/failover-bench.sh --etcd                  # the same on a 3-member etcd (Debian's etcd-server, loopback)
#
# Options:
#   --kills N        leader kills                               (default 20)
#   --clients N      concurrent clients                         (default 64)
#   --out FILE       results, JSON lines (one per kill, then one "summary"), appended
#                                                               (default bench-results/failover-<date>.jsonl)
#   --keep           keep the temporary directory (silo logs, databases, control files) for inspection
#   --warmup S       seconds of load before the first kill      (default 15: JIT of a fresh client and silos)
#   --down S         seconds the killed silo stays down         (default 5)
#   --settle S       seconds of load after catch-up before the next kill (default 3)
#   --silo-args "A"  extra configuration for every silo (e.g. "--Raft:ElectionTimeoutMin=00:00:01"); default none:
#                    the silo's own timeouts (election 300-600 ms, heartbeat 100 ms, failure detection of
#                    Raft.Silo/ClusterConfiguration.cs)
#   --attempt-timeout MS  the clients' timeout per attempt on one server (default: KeyValueClient's, 3000; the etcd
#                    client uses the same policy)
#   --probe-others-after MS|never  after how long without an answer a client also sends its request to the other
#                    servers (default: KeyValueClient's, 300; never: one server at a time, the client before it had this)
#   --no-build       do not build Raft.Silo and Raft.Benchmarks in Release first
#   --etcd           measure a 3-member etcd on loopback instead (Debian's etcd-server: apt-get install -y
#                    etcd-server etcd-client), its leader killed the same way, same clients and retry policy
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

kills=20
clients=64
out=""
keep=0
warmup=15
down=5
settle=3
silo_args=""
build=1
etcd=0
load_extra=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills=$2; shift 2;;
    --clients) clients=$2; shift 2;;
    --out) out=$2; shift 2;;
    --keep) keep=1; shift;;
    --warmup) warmup=$2; shift 2;;
    --down) down=$2; shift 2;;
    --settle) settle=$2; shift 2;;
    --silo-args) silo_args=$2; shift 2;;
    --attempt-timeout) load_extra+=(--attempt-timeout "$2"); shift 2;;
    --probe-others-after) load_extra+=(--probe-others-after "$2"); shift 2;;
    --no-build) build=0; shift;;
    --etcd) etcd=1; shift;;
    -h|--help) usage;;
    *) echo "failover-bench.sh: unknown argument '$1'" >&2; usage;;
  esac
done
for v in "$kills" "$clients" "$warmup" "$down" "$settle"; do
  case "$v" in ''|*[!0-9]*) echo "failover-bench.sh: '$v' is not a whole number" >&2; exit 2;; esac
done
[ -n "$out" ] || { mkdir -p bench-results; out="bench-results/failover-$(date +%Y%m%d-%H%M%S).jsonl"; }
mkdir -p "$(dirname "$out")"
out=$(realpath "$out")

. scripts/failover-lib.sh

if [ "$build" = 1 ]; then
  [ "$etcd" = 1 ] || dotnet build Raft.Silo -c Release -nologo -v quiet >/dev/null
  dotnet build Raft.Benchmarks -c Release -nologo -v quiet >/dev/null
fi
load_dll=$root/Raft.Benchmarks/bin/Release/net10.0/Raft.Benchmarks.dll
[ -f "$load_dll" ] || { echo "failover-bench.sh: build Raft.Benchmarks in Release first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/raft-failover.XXXXXX")
control=$work/control
mkdir -p "$control"
# Server i (silo si, or etcd member mi) hosts peer i: its command line, log, pid, and the log line that says it is up.
member_pids=(0 0 0)
member_cmd=()
member_name=()
member_from=(0 0 0)
load_pid=""
azurite_pid=""
load_args=()

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  echo "failover-bench.sh: stopping ${load_pid:+load $load_pid, }servers ${member_pids[*]}${azurite_pid:+, azurite $azurite_pid}" >&2
  # The data is thrown away: a short grace, then SIGKILL (a silo under load can take 10 s and more to stop gracefully).
  [ -n "$load_pid" ] && stop_pids 3 "$load_pid"
  stop_pids 3 "${member_pids[@]}"
  [ -n "$azurite_pid" ] && stop_pids 3 "$azurite_pid"
  if [ "$keep" = 1 ] || [ "$status" != 0 ]; then echo "failover-bench.sh: kept $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$etcd" = 1 ]; then
  . scripts/failover-etcd.sh
else
  . scripts/failover-raft.sh
fi
for i in 0 1 2; do load_args+=(--log "${member_name[i]}=$work/${member_name[i]}.log"); done

launch_member() { # index; appends to its log
  local i=$1
  member_from[i]=$(line_count "$work/${member_name[i]}.log")
  eval "exec ${member_cmd[i]}" >>"$work/${member_name[i]}.log" 2>&1 </dev/null &
  member_pids[i]=$!
}
await_member() { # index; until it logs that it is up
  local i=$1
  wait_for_line "$work/${member_name[i]}.log" "${member_from[i]}" "$ready_line" 90 "${member_pids[i]}" \
    || { echo "failover-bench.sh: ${member_name[i]} did not start; its log:" >&2; tail -20 "$work/${member_name[i]}.log" >&2; return 1; }
}

echo "failover-bench.sh: $kills kills, $clients clients; results -> $out ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
for i in 0 1 2; do launch_member "$i"; done
for i in 0 1 2; do await_member "$i" || exit 1; done
echo "failover-bench.sh: $system ${member_name[*]} running (pids ${member_pids[*]}), work dir $work" >&2

dotnet "$load_dll" failover-load "${load_args[@]}" "${load_extra[@]}" --peers 0,1,2 --clients "$clients" --control "$control" \
  >"$work/results.jsonl" 2>"$work/load.log" </dev/null &
load_pid=$!

leader_json() { jq -c '[.peers[] | select(.reachable and .role == "Leader")] | max_by(.term) // empty' "$control/status.json" 2>/dev/null || true; }
acknowledged() { jq -r '.acknowledged' "$control/status.json" 2>/dev/null || echo 0; }
status_at() { jq -r '.atUs' "$control/status.json" 2>/dev/null || echo 0; }

# The load runs and a leader is known; then the warm-up.
wait_until 120 'kill -0 $load_pid 2>/dev/null && [ -n "$(leader_json)" ] && [ "$(acknowledged)" -gt 0 ]' \
  || { echo "failover-bench.sh: no write acknowledged within 120 s; $(tail -3 "$work/load.log")" >&2; exit 1; }
sleep "$warmup"

for ((k = 1; k <= kills; k++)); do
  kill -0 "$load_pid" 2>/dev/null || { echo "failover-bench.sh: failover-load exited: $(tail -5 "$work/load.log")" >&2; exit 1; }
  leader=$(leader_json)
  [ -n "$leader" ] || { echo "failover-bench.sh: no leader before kill $k" >&2; exit 1; }
  victim=$(jq -r '.peer' <<<"$leader"); term=$(jq -r '.term' <<<"$leader")
  load=$(cut -d' ' -f1 /proc/loadavg)
  killed_at=$(date +%s%6N)
  kill -KILL "${member_pids[victim]}"
  wait "${member_pids[victim]}" 2>/dev/null || true
  jq -nc --argjson k "$k" --arg peer "$victim" --arg silo "${member_name[victim]}" --argjson at "$killed_at" --argjson term "$term" \
    --argjson load "$load" --argjson clients "$clients" --arg system "$system" \
    '{type: "kill", kill: $k, system: $system, victimPeer: $peer, victimSilo: $silo, killedAtUs: $at, termBefore: $term,
      clients: $clients, loadAverage1m: $load}' >>"$control/kills.jsonl"
  # A survivor leads in a later term; then the victim stays down for the rest of --down.
  wait_until 60 '[ "$(leader_json | jq -r "select(.term > $term) | .peer")" != "" ]' \
    || { echo "failover-bench.sh: no new leader within 60 s of kill $k" >&2; exit 1; }
  sleep_until_us $((killed_at + down * 1000000))
  launch_member "$victim"
  await_member "$victim" || exit 1
  restarted_at=$(status_at)
  # Rejoined and caught up: the victim's peer follows the leader's term and applied what was committed when it came back.
  commit=$(leader_json | jq -r '.commitIndex')
  wait_until 120 "jq -e --arg v $victim --argjson c $commit --argjson after $restarted_at '
      .atUs > \$after and ([.peers[] | select(.reachable and .role == \"Leader\")] | max_by(.term)) as \$l
      | \$l != null and (.peers[] | select(.peer == \$v) | .reachable and .role == \"Follower\" and .term == \$l.term and .lastApplied >= \$c)
    ' '$control/status.json' >/dev/null 2>&1" \
    || { echo "failover-bench.sh: ${member_name[victim]} did not catch up within 120 s of its restart (kill $k)" >&2; exit 1; }
  echo "failover-bench.sh: kill $k: ${member_name[victim]} (leader of term $term) killed, restarted, caught up; load $load" >&2
  sleep "$settle"
done

touch "$control/stop"
wait "$load_pid" && load_status=0 || load_status=$?
load_pid=""
cat "$work/load.log" >&2
[ -s "$work/results.jsonl" ] || { echo "failover-bench.sh: failover-load wrote no results" >&2; exit 1; }
cat "$work/results.jsonl" >>"$out"
print_failover_table "$work/results.jsonl"
exit "$load_status"
