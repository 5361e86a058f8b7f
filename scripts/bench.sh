#!/usr/bin/env bash
# Benchmark matrix for the key-value service: for every combination of peers x storage x topology it starts a fresh
# cluster on loopback (random free ports, data under a temporary directory), then for every value size x client count
# runs `raft-client bench --json` against it and appends one JSON line per cell to the results file. At the end it
# prints the cells as a markdown table. Every process it starts is stopped again (by pid), also on Ctrl+C or failure.
#
#   scripts/bench.sh                                  # the full matrix (2 x 2 x 2 x 2 x 4 cells of 10 s: ~15 min)
#   scripts/bench.sh --peers 3 --storage sqlite --topology per-peer --clients 1,1000 --duration 5s
#   scripts/bench.sh --table results.jsonl            # only print the table of an earlier results file
#
# Options (lists are comma-separated):
#   --clients LIST      concurrent clients per cell            (default 1,16,256,1000)
#   --peers LIST        peers per Raft group                   (default 3,5)
#   --storage LIST      sqlite | memory                        (default sqlite,memory)
#   --topology LIST     single (one silo hosting every peer) | per-peer (one silo process per peer, like
#                       start-cluster.sh)                      (default single,per-peer)
#   --value-size LIST   bytes per value                        (default 100,1024)
#   --duration T        measured time per cell, e.g. 10s       (default 10s)
#   --warmup T          unrecorded load after each cluster start (default 3s; 0s for none)
#   --cell-warmup T     unrecorded load at the cell's own client count before each cell's clock starts (the client's
#                       --warmup): a fresh client process JITs for seconds on a loaded 2-core machine (default 5s)
#   --keys N            distinct keys                          (default 1000)
#   --gateway-order O   first: the client connects to silo s0's gateway, wherever the leader is (a request for a
#                       leader on another silo takes one more hop, s0 -> leader's silo); leader: to the leader's silo
#                       (found after the warm-up). Every cell records the leader and whether its gateway hosts it.
#                                                              (default first)
#   --out FILE          results file, JSON lines, appended     (default bench-results/<date>.jsonl)
#   --label TEXT        free text stored with every cell (e.g. "baseline")
#   --silo-args "ARGS"  extra configuration for every silo (default: etcd's default timeouts, heartbeat 100 ms and
#                       election 1-2 s: "--Raft:ElectionTimeoutMin=00:00:01 --Raft:ElectionTimeoutMax=00:00:02";
#                       "" for the silo's own 300-600 ms)
#   --keep              keep the temporary directory (silo logs, databases) for inspection
#   --no-build          do not build Raft.Silo and Raft.Client in Release first
#   --silo-dll PATH     run this Raft.Silo.dll instead of the Release build (to compare with an older build)
#   --client-dll PATH   run this raft-client.dll instead of the Release build
#   --table FILE        print the markdown table of FILE and exit
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

clients_list=1,16,256,1000
peers_list=3,5
storage_list=sqlite,memory
topology_list=single,per-peer
value_list=100,1024
duration=10s
warmup=3s
cell_warmup=5s
keys=1000
gateway_order=first
out=""
label=""
silo_args="--Raft:ElectionTimeoutMin=00:00:01 --Raft:ElectionTimeoutMax=00:00:02"
keep=0
build=1
table_only=""
silo_dll=""
client_dll=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients_list=$2; shift 2;;
    --peers) peers_list=$2; shift 2;;
    --storage) storage_list=$2; shift 2;;
    --topology) topology_list=$2; shift 2;;
    --value-size) value_list=$2; shift 2;;
    --duration) duration=$2; shift 2;;
    --warmup) warmup=$2; shift 2;;
    --cell-warmup) cell_warmup=$2; shift 2;;
    --keys) keys=$2; shift 2;;
    --gateway-order) gateway_order=$2; shift 2;;
    --out) out=$2; shift 2;;
    --label) label=$2; shift 2;;
    --silo-args) silo_args=$2; shift 2;;
    --keep) keep=1; shift;;
    --no-build) build=0; shift;;
    --table) table_only=$2; shift 2;;
    --silo-dll) silo_dll=$2; build=0; shift 2;;
    --client-dll) client_dll=$2; build=0; shift 2;;
    -h|--help) usage;;
    *) echo "bench.sh: unknown argument '$1'" >&2; usage;;
  esac
done

seconds_of() { # 10s, 1m, 500ms, 10 -> whole seconds (at least 1)
  local v=$1
  case "$v" in
    *ms) echo $(( (${v%ms} + 999) / 1000 ));;
    *s) echo "${v%s}";;
    *m) echo $(( ${v%m} * 60 ));;
    *[!0-9]*|'') echo "bench.sh: bad duration '$v'" >&2; exit 2;;
    *) echo "$v";;
  esac
}

print_table() {
  local file=$1
  echo "| label | peers | storage | topology | value B | clients | writes/s | p50 ms | p95 ms | p99 ms | max ms | errors | gateway hosts leader | CPU µs/op | load 1m |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  jq -r 'def ms(f): if f == null then "-" else (f / 10 | round / 100) end;
          [.label, .peers, .storage, .topology, .valueSize, .clients,
           (if .opsPerSecond == null then "failed" else (.opsPerSecond | floor) end),
           ms(.latencyMicros.p50), ms(.latencyMicros.p95), ms(.latencyMicros.p99), ms(.latencyMicros.max),
           (.errors // "-"), (if .gatewayHostsLeader == null then "?" elif .gatewayHostsLeader then "yes" else "no" end), (.cpuMicrosPerOp // "-"), .loadAverage1m] | "| " + (map(tostring) | join(" | ")) + " |"' "$file"
}

if [ -n "$table_only" ]; then
  print_table "$table_only"
  exit 0
fi

dur_s=$(seconds_of "$duration")
warm_s=$(seconds_of "$warmup")
cell_warm_s=$(seconds_of "$cell_warmup")
for v in $(tr ',' ' ' <<<"$storage_list"); do case "$v" in sqlite|memory) ;; *) echo "bench.sh: storage must be sqlite or memory, not '$v'" >&2; exit 2;; esac; done
for v in $(tr ',' ' ' <<<"$topology_list"); do case "$v" in single|per-peer) ;; *) echo "bench.sh: topology must be single or per-peer, not '$v'" >&2; exit 2;; esac; done
case "$gateway_order" in first|leader) ;; *) echo "bench.sh: --gateway-order is first or leader" >&2; exit 2;; esac
for v in $(tr ',' ' ' <<<"$peers_list,$clients_list,$value_list"); do case "$v" in ''|*[!0-9]*) echo "bench.sh: '$v' is not a positive number" >&2; exit 2;; esac; done

if [ -z "$out" ]; then
  mkdir -p bench-results
  out="bench-results/$(date +%Y%m%d-%H%M%S).jsonl"
fi
mkdir -p "$(dirname "$out")"

if [ "$build" = 1 ]; then
  dotnet build Raft.Silo -c Release -nologo -v quiet >/dev/null
  dotnet build Raft.Client -c Release -nologo -v quiet >/dev/null
fi
silo_dll=${silo_dll:-$root/Raft.Silo/bin/Release/net10.0/Raft.Silo.dll}
client_dll=${client_dll:-$root/Raft.Client/bin/Release/net10.0/raft-client.dll}
[ -f "$silo_dll" ] && [ -f "$client_dll" ] || { echo "bench.sh: build Raft.Silo and Raft.Client in Release first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/raft-bench.XXXXXX")
pids=()
client_pid=""

stop_silos() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pids=()
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$client_pid" ]; then kill -TERM "$client_pid" 2>/dev/null || true; wait "$client_pid" 2>/dev/null || true; fi
  stop_silos
  if [ "$keep" = 1 ]; then echo "bench.sh: kept $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

. scripts/free-port.sh

# Runs the client in the background (so that Ctrl+C reaches the trap at once) with a hard time limit.
run_client() {
  local limit=$1; shift
  timeout --kill-after=5 "$limit" dotnet "$client_dll" "$@" &
  client_pid=$!
  local status=0
  wait "$client_pid" || status=$?
  client_pid=""
  return "$status"
}

gateways=()
peer_ids=""
start_cluster() { # peers storage topology
  local n=$1 storage=$2 topology=$3 dir=$work/$1-$2-$3
  rm -rf "$dir"; mkdir -p "$dir"
  local silos=1; [ "$topology" = per-peer ] && silos=$n
  local common=() silo_ports=() gateway_ports=() i
  for ((i = 0; i < silos; i++)); do
    silo_ports+=("$(free_port)"); gateway_ports+=("$(free_port)")
  done
  # Orleans' development clustering: silo s0 holds the membership table, the others join it (no Azurite needed; the
  # membership is off the write path, and nothing is killed here).
  common+=("--Cluster:Membership=Localhost" "--Cluster:PrimarySiloEndpoint=127.0.0.1:${silo_ports[0]}")
  peer_ids=""
  for ((i = 0; i < n; i++)); do
    common+=("--Raft:Groups:kv:$i=$i")
    [ "$topology" = per-peer ] && common+=("--Raft:PeerSilos:kv/$i=s$i")
    peer_ids+="${peer_ids:+,}$i"
  done
  common+=("--Logging:LogLevel:Default=Warning" "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning")
  if [ "$storage" = memory ]; then common+=("--Storage:Provider=Memory"); else common+=("--Storage:Provider=Sqlite"); fi
  local extra
  read -r -a extra <<<"$silo_args"
  common+=("${extra[@]}")
  gateways=()
  for ((i = 0; i < silos; i++)); do
    dotnet "$silo_dll" "${common[@]}" "--Silo:SiloName=s$i" "--Silo:SiloPort=${silo_ports[i]}" "--Silo:GatewayPort=${gateway_ports[i]}" \
      "--Silo:AdvertisedHost=127.0.0.1" "--Storage:Default:Path=$dir/s$i.db" --Web:Enabled=false >"$dir/s$i.log" 2>&1 </dev/null &
    pids+=("$!")
    gateways+=("--gateway" "127.0.0.1:${gateway_ports[i]}")
  done
  # Ready once a write commits (elects a leader, opens the database files).
  local attempt
  for attempt in $(seq 30); do
    if run_client 20 put bench-ready 1 "${gateways[@]}" --peers "$peer_ids" --timeout 10s >/dev/null 2>"$dir/ready.err"; then
      return 0
    fi
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "bench.sh: a silo exited during start; its log:" >&2; tail -20 "$dir"/s*.log >&2; return 1; }
    done
    sleep 1
  done
  echo "bench.sh: cluster $n/$storage/$topology did not commit a write; last error: $(cat "$dir/ready.err")" >&2
  return 1
}

# CPU seconds used so far by the silo processes (utime + stime, in clock ticks, of every silo).
silo_cpu_ticks() {
  local pid total=0 fields
  for pid in "${pids[@]}"; do
    read -r -a fields <"/proc/$pid/stat" 2>/dev/null || continue
    total=$(( total + fields[13] + fields[14] ))
  done
  echo "$total"
}

# Prints "<leader peer id> <term>" ("none 0" when no peer leads or the status query fails).
leader_and_term() {
  local status
  status=$(run_client 20 status "${gateways[@]}" --peers "$peer_ids" --json 2>/dev/null) || { echo "none 0"; return; }
  jq -r '[.[] | select(.role == "Leader")] | if length == 0 then "none 0" else "\(.[0].peer) \(.[0].term)" end' <<<"$status"
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)
echo "bench.sh: results -> $out ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
first_line=0; [ -f "$out" ] && first_line=$(wc -l <"$out")

for peers in $(tr ',' ' ' <<<"$peers_list"); do
  for storage in $(tr ',' ' ' <<<"$storage_list"); do
    for topology in $(tr ',' ' ' <<<"$topology_list"); do
      echo "bench.sh: starting $peers peers, $storage, $topology" >&2
      start_cluster "$peers" "$storage" "$topology"
      if [ "$warm_s" -gt 0 ]; then
        run_client $((warm_s + 60)) bench "${gateways[@]}" --peers "$peer_ids" --clients 16 --duration "${warm_s}s" --keys "$keys" --json >/dev/null 2>&1 || true
      fi
      read -r leader term <<<"$(leader_and_term)"
      if [ "$gateway_order" = leader ] && [ "$topology" = per-peer ] && [ "$leader" != none ]; then
        # Silo s<leader> hosts the leader: its gateway goes first.
        gateways=("--gateway" "${gateways[$((2 * leader + 1))]}" "${gateways[@]}")
      fi
      for value in $(tr ',' ' ' <<<"$value_list"); do
        for clients in $(tr ',' ' ' <<<"$clients_list"); do
          load_before=$(cut -d' ' -f1 /proc/loadavg)
          cell=$work/cell.json
          rm -f "$work/cpu.start"
          # Silo CPU is sampled when the client's clock starts (after its warm-up, it says so) and when it ends.
          : >"$work/cell.err"
          ( for _ in $(seq $(( cell_warm_s > 0 ? (cell_warm_s + 60) * 10 : 0 ))); do grep -q "clock started" "$work/cell.err" 2>/dev/null && break; sleep 0.1; done
            silo_cpu_ticks >"$work/cpu.start" ) &
          sampler=$!
          if run_client $((dur_s + cell_warm_s + 90)) bench "${gateways[@]}" --peers "$peer_ids" --clients "$clients" --duration "${dur_s}s" \
               --warmup "${cell_warm_s}s" --value-size "$value" --keys "$keys" --json >"$cell" 2>"$work/cell.err"; then
            :
          else
            echo "bench.sh: cell $peers/$storage/$topology/$value B/$clients clients failed: $(tail -1 "$work/cell.err")" >&2
            echo '{}' >"$cell"
          fi
          cpu_end=$(silo_cpu_ticks)
          wait "$sampler" 2>/dev/null || true
          silo_cpu=$(awk -v a="$(cat "$work/cpu.start" 2>/dev/null || echo "$cpu_end")" -v b="$cpu_end" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }')
          load_after=$(cut -d' ' -f1 /proc/loadavg)
          term_before=$term
          read -r leader term <<<"$(leader_and_term)"
          first_gateway=${gateways[1]}
          leader_gateway=$first_gateway
          [ "$topology" = per-peer ] && [ "$leader" != none ] && leader_gateway=${gateways[$(( ${#gateways[@]} - 2 * peers + 2 * leader + 1 ))]}
          jq -c --argjson peers "$peers" --arg storage "$storage" --arg topology "$topology" --arg lbl "$label" \
                --arg commit "$commit$dirty" --arg siloArgs "$silo_args" --arg silo "$silo_dll" --argjson siloCpu "$silo_cpu" --arg time "$(date -u +%FT%TZ)" --argjson cores "$(nproc)" \
                --argjson lb "$load_before" --argjson la "$load_after" --arg leader "$leader" \
                --argjson elections "$(( term > 0 && term_before > 0 ? term - term_before : -1 ))" --argjson colocated "$([ "$first_gateway" = "$leader_gateway" ] && echo true || echo false)" \
                --argjson clients "$clients" --argjson value "$value" \
                '{"label": $lbl, peers: $peers, storage: $storage, topology: $topology, clients: $clients, valueSize: $value}
                 + . + {leader: $leader, gatewayHostsLeader: $colocated, termChanges: $elections, loadAverage1m: $la, loadAverage1mBefore: $lb, cores: $cores, commit: $commit, siloDll: $silo, siloArgs: $siloArgs, time: $time}
                 + {siloCpuSeconds: $siloCpu, cpuMicrosPerOp: (if (.operations // 0) > 0 then ((($siloCpu + (.clientCpuSeconds // 0)) * 1e6 / .operations) | round) else null end)}' \
                "$cell" >>"$out"
          tail -1 "$out" | jq -r '"bench.sh:   \(.valueSize) B x \(.clients) clients: \(.opsPerSecond // "failed") ops/s, p50 \((.latencyMicros.p50 // 0)/1000) ms, p99 \((.latencyMicros.p99 // 0)/1000) ms, \(.errors // "-") errors, leader \(.leader)\(if .gatewayHostsLeader then " (gateway)" else " (forwarded)" end), \(.termChanges) term changes, \(.cpuMicrosPerOp) CPU µs/op, load \(.loadAverage1m)"' >&2
        done
      done
      stop_silos
    done
  done
done

tail -n +"$((first_line + 1))" "$out" >"$work/this-run.jsonl"
print_table "$work/this-run.jsonl"
