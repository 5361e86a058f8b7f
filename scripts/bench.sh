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
#   --gateway-order O   first: the client is given every silo's gateway, s0's first; the Orleans client spreads grains
#                       over its gateways round-robin, so a request for the leader crosses a second silo unless the
#                       leader's grain landed on the leader's own gateway; leader: the client is given only the leader
#                       silo's gateway (found after the warm-up), so no request crosses a second silo; follower: only
#                       the gateway of the silo after the leader's, so every request crosses a second silo. Every cell
#                       records the leader and, with leader or follower, whether its gateway hosts it. (default first)
#   --out FILE          results file, JSON lines, appended     (default bench-results/<date>.jsonl)
#   --label TEXT        free text stored with every cell (e.g. "baseline")
#   --silo-args "ARGS"  extra configuration for every silo (default: etcd's default timeouts, heartbeat 100 ms and
#                       election 1-2 s: "--Raft:ElectionTimeoutMin=00:00:01 --Raft:ElectionTimeoutMax=00:00:02";
#                       "" for the silo's own 300-600 ms)
#   --keep              keep the temporary directory (silo logs, databases) for inspection
#   --no-build          do not build Raft.Silo and Raft.Client in Release first
#   --silo-dll PATH     run this Raft.Silo.dll instead of the Release build (to compare with an older build)
#   --client-dll PATH   run this raft-client.dll instead of the Release build
#   --table FILE        print the markdown table of FILE (a matrix or a --compare results file) and exit
#
# Comparison mode (issue 14): one command benchmarks, one after the other and at the same cells,
#   (a) "orleans"   this build (the matrix above, run by this script as a child process),
#   (b) "baseline"  an older commit (--baseline, default 852a725, the last commit before the move onto Orleans, with its
#                   own runtime): checked out in a temporary `git worktree`, built in Release there, and loaded by that
#                   commit's own scripts/bench.sh (its silos started its way) with the same cell options,
#   (c) "etcd"      Debian's etcd-server (3.4): 3 members on loopback (scripts/failover-etcd.sh: etcd's defaults, WAL
#                   fsync on every commit, data in the temporary directory, the same disk as the SQLite files), loaded by
#                   `Raft.Benchmarks etcd-bench`: raft-client bench's loop over etcd's gRPC API, the same client counts,
#                   16 B keys out of --keys, --value-size values, cell warm-up and duration, client i on member i mod 3;
#                   and, for the client counts that `etcdctl check perf` has a load for (50 s, 200 m, 500 l, 1000 xl),
#                   also "etcd check perf" rows: etcd's own check at that load, as the issue's baseline was measured
#                   (fixed by etcdctl: 60 s, 256 B keys, 1 KiB values, a rate limit of 150/1000/8000/15000 writes/s,
#                   throughput and slowest request only; a ratio is computed against the "etcd" rows, not these),
# then prints one table: per system and cell writes/s, p50, p99, max, errors, and the peak resident memory (VmRSS,
# sampled every 0.5 s) of each server process (silo, etcd member) while that cell's client ran (its warm-up included),
# with the ratios Orleans / baseline and Orleans / etcd of writes/s, and the issue's targets checked.
#
#   scripts/bench.sh --compare                        # 1 and 1000 clients, 256 B, 3 peers per-peer, SQLite: ~10 min
#                                                     # on a quiet machine, builds included (docs/benchmarks.md)
#   scripts/bench.sh --compare --short                # validation: 5 s cells, no check perf (~10 min at load 25)
#
#   --compare           the comparison above; its defaults: --clients 1,1000 --peers 3 --storage sqlite --topology
#                       per-peer --value-size 256 --duration 30s (one peers/storage/topology each)
#   --baseline COMMIT   the older build of (b)                 (default 852a725)
#   --systems LIST      orleans,baseline,etcd                  (default all three)
#   --etcd-check-perf yes|no  the "etcd check perf" rows       (default yes; no with --short)
#   --short             5 s cells, 2 s cluster warm-up, 3 s cell warm-up (options given explicitly still win)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Empty: the mode's default, filled in after the options.
clients_list=""
peers_list=""
storage_list=""
topology_list=""
value_list=""
duration=""
warmup=""
cell_warmup=""
keys=1000
compare=0
baseline=852a725
systems=orleans,baseline,etcd
check_perf=""
short=0
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
    --clients|--peers|--storage|--topology|--value-size|--duration|--warmup|--cell-warmup|--keys|--gateway-order|--out|--label|\
    --silo-args|--table|--silo-dll|--client-dll|--baseline|--systems|--etcd-check-perf)
      [ $# -ge 2 ] || { echo "bench.sh: $1 needs a value" >&2; exit 2; };;
  esac
  case "$1" in
    --compare) compare=1; shift;;
    --baseline) baseline=$2; shift 2;;
    --systems) systems=$2; shift 2;;
    --etcd-check-perf) check_perf=$2; shift 2;;
    --short) short=1; shift;;
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

if [ "$short" = 1 ]; then
  : "${duration:=5s}" "${warmup:=2s}" "${cell_warmup:=3s}" "${check_perf:=no}"
fi
if [ "$compare" = 1 ]; then
  : "${clients_list:=1,1000}" "${peers_list:=3}" "${storage_list:=sqlite}" "${topology_list:=per-peer}" "${value_list:=256}" "${duration:=30s}"
else
  : "${clients_list:=1,16,256,1000}" "${peers_list:=3,5}" "${storage_list:=sqlite,memory}" "${topology_list:=single,per-peer}" "${value_list:=100,1024}"
fi
: "${duration:=10s}" "${warmup:=3s}" "${cell_warmup:=5s}" "${check_perf:=yes}"

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

# The --compare table: one row per system and cell, the ratios on the Orleans rows, then the issue's targets.
print_compare_table() {
  jq -rs '
    def ms(f): if f == null then "-" else (f / 10 | round / 100 | tostring) end;
    def x(a; b): if a == null or b == null or b == 0 then "-" else ((a / b * 100 | round) / 100 | tostring) + "x" end;
    def order: {orleans: 0, baseline: 1, etcd: 2, "etcd-check-perf": 3}[.system] // 4;
    def name: {orleans: "Orleans", baseline: "baseline", etcd: "etcd", "etcd-check-perf": "etcd check perf"}[.system] // .system;
    . as $all
    | def other($s; $c; $v): [$all[] | select(.system == $s and .clients == $c and .valueSize == $v)][0];
      def rss: if .serverRssPeakMB == null then "-" else (.serverRssPeakMB | map(tostring) | join(" / ")) end;
      "| system | build | clients | value B | writes/s | p50 ms | p99 ms | max ms | errors | server RSS peak MB | load 1m | Orleans ÷ baseline | Orleans ÷ etcd |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
      ($all | sort_by(.clients, order, .valueSize)[]
        | . as $r
        | [name, (.commit // "-"), .clients, (if .system == "etcd-check-perf" then "\(.valueSize) (key \(.keySize))" else .valueSize end),
           (if .opsPerSecond == null then "failed" else (.opsPerSecond | floor) end),
           ms(.latencyMicros.p50), ms(.latencyMicros.p99), ms(.latencyMicros.max), (.errors // "-"), rss, (.loadAverage1m // "-"),
           (if .system == "orleans" then x(.opsPerSecond; other("baseline"; $r.clients; $r.valueSize).opsPerSecond) else "" end),
           (if .system == "orleans" then x(.opsPerSecond; other("etcd"; $r.clients; $r.valueSize).opsPerSecond) else "" end)]
        | "| " + (map(tostring) | join(" | ")) + " |"),
      "",
      ($all | map(select(.system == "orleans" and .opsPerSecond != null)) | sort_by(.clients, .valueSize)[]
        | . as $o | other("baseline"; .clients; .valueSize) as $b | other("etcd"; .clients; .valueSize) as $e
        | def ok(c): if c then "met" else "MISSED" end;
          if .clients == 1000 then
            "Targets, 1000 clients, \(.valueSize) B: writes/s >= baseline: "
              + (if $b.opsPerSecond == null then "-" else ok(.opsPerSecond >= $b.opsPerSecond) + " (" + x(.opsPerSecond; $b.opsPerSecond) + ")" end)
              + "; >= 10x etcd: " + (if $e.opsPerSecond == null then "-" else ok(.opsPerSecond >= 10 * $e.opsPerSecond) + " (" + x(.opsPerSecond; $e.opsPerSecond) + ")" end)
              + "; p99 <= 150 ms: " + ok(.latencyMicros.p99 <= 150000) + " (" + ms(.latencyMicros.p99) + " ms)"
              + "; every silo < 300 MB: " + (if .serverRssPeakMB == null then "-" else ok((.serverRssPeakMB | max) < 300) + " (max \(.serverRssPeakMB | max) MB)" end)
          elif .clients == 1 then
            "Target, 1 client, \(.valueSize) B: p50 <= 1 ms: " + ok(.latencyMicros.p50 <= 1000) + " (" + ms(.latencyMicros.p50) + " ms)"
          else empty end)
  ' "$1"
}

if [ -n "$table_only" ]; then
  if jq -se 'any(.[]; has("system"))' "$table_only" >/dev/null; then print_compare_table "$table_only"; else print_table "$table_only"; fi
  exit 0
fi

dur_s=$(seconds_of "$duration")
warm_s=$(seconds_of "$warmup")
cell_warm_s=$(seconds_of "$cell_warmup")
for v in $(tr ',' ' ' <<<"$storage_list"); do case "$v" in sqlite|memory) ;; *) echo "bench.sh: storage must be sqlite or memory, not '$v'" >&2; exit 2;; esac; done
for v in $(tr ',' ' ' <<<"$topology_list"); do case "$v" in single|per-peer) ;; *) echo "bench.sh: topology must be single or per-peer, not '$v'" >&2; exit 2;; esac; done
case "$gateway_order" in first|leader|follower) ;; *) echo "bench.sh: --gateway-order is first, leader or follower" >&2; exit 2;; esac
for v in $(tr ',' ' ' <<<"$peers_list,$clients_list,$value_list,$keys"); do case "$v" in ''|*[!0-9]*) echo "bench.sh: '$v' is not a positive number" >&2; exit 2;; esac; done

if [ -z "$out" ]; then
  mkdir -p bench-results
  out="bench-results/$([ "$compare" = 1 ] && echo compare-)$(date +%Y%m%d-%H%M%S).jsonl"
fi
mkdir -p "$(dirname "$out")"

has_system() { case ",$systems," in *",$1,"*) return 0;; *) return 1;; esac; }
if [ "$compare" = 1 ]; then
  for v in $(tr ',' ' ' <<<"$systems"); do case "$v" in orleans|baseline|etcd) ;; *) echo "bench.sh: --systems takes orleans, baseline, etcd, not '$v'" >&2; exit 2;; esac; done
  for v in "$peers_list" "$storage_list" "$topology_list"; do
    case "$v" in *,*) echo "bench.sh: --compare takes one --peers, --storage and --topology, not '$v'" >&2; exit 2;; esac
  done
  case "$check_perf" in yes|no) ;; *) echo "bench.sh: --etcd-check-perf is yes or no, not '$check_perf'" >&2; exit 2;; esac
  if has_system etcd; then
    [ "$peers_list" = 3 ] || { echo "bench.sh: etcd runs 3 members: --peers 3, or --systems without etcd" >&2; exit 2; }
    if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
      echo "bench.sh: installing Debian's etcd-server and etcd-client" >&2
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null; } ||
        { echo "bench.sh: etcd is not installed and apt-get could not install it (apt-get install etcd-server etcd-client)" >&2; exit 1; }
    fi
  fi
  if has_system baseline; then
    baseline_commit=$(git rev-parse --verify --quiet --short "$baseline^{commit}") || { echo "bench.sh: --baseline '$baseline' is not a commit of this repository" >&2; exit 2; }
  fi
fi

# Build servers off: no compiler or MSBuild process outlives the build.
release_build() { dotnet build "$@" -c Release -nologo -v quiet --disable-build-servers >/dev/null; }
if [ "$build" = 1 ]; then
  release_build Raft.Silo
  release_build Raft.Client
  if [ "$compare" = 1 ] && has_system etcd; then release_build Raft.Benchmarks; fi
fi
bench_dll=$root/Raft.Benchmarks/bin/Release/net10.0/Raft.Benchmarks.dll
if [ "$compare" = 1 ] && has_system etcd && [ ! -f "$bench_dll" ]; then echo "bench.sh: build Raft.Benchmarks in Release first" >&2; exit 1; fi
silo_dll=${silo_dll:-$root/Raft.Silo/bin/Release/net10.0/Raft.Silo.dll}
client_dll=${client_dll:-$root/Raft.Client/bin/Release/net10.0/raft-client.dll}
[ -f "$silo_dll" ] && [ -f "$client_dll" ] || { echo "bench.sh: build Raft.Silo and Raft.Client in Release first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/raft-bench.XXXXXX")
pids=()          # silos
client_pid=""    # the client (or build, or etcdctl) running now
sub_pid=""       # --compare: the bench.sh of one system
sampler_pid=""   # --compare: its memory sampler
cpu_sampler_pid="" # the silos' CPU sampler of the cell running now
member_pids=()   # --compare: etcd members
base_dir=""      # --compare: the baseline's git worktree

. scripts/failover-lib.sh   # free_port, stop_pids, wait_for_line

stop_silos() { stop_pids 5 "${pids[@]}"; pids=(); }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$client_pid" ] && stop_pids 5 "$client_pid"
  # A system's bench.sh stops its own silos when told to (its trap); it gets the time for that.
  [ -n "$sub_pid" ] && stop_pids 30 "$sub_pid"
  [ -n "$sampler_pid" ] && stop_pids 1 "$sampler_pid"
  [ -n "$cpu_sampler_pid" ] && stop_pids 1 "$cpu_sampler_pid"
  stop_silos
  stop_pids 5 "${member_pids[@]}"
  if [ "$keep" = 1 ]; then
    echo "bench.sh: kept $work${base_dir:+ (the baseline worktree: remove it with: git worktree remove --force $base_dir)}" >&2
  else
    [ -n "$base_dir" ] && { git worktree remove --force "$base_dir" 2>/dev/null || true; git worktree prune; }
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command in the background (so that Ctrl+C reaches the trap at once) with a hard time limit.
run_limited() {
  local limit=$1; shift
  timeout --kill-after=5 "$limit" "$@" &
  client_pid=$!
  local status=0
  wait "$client_pid" || status=$?
  client_pid=""
  return "$status"
}
run_client() { local limit=$1; shift; run_limited "$limit" dotnet "$client_dll" "$@"; }

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
# CPU ticks (user + system) of each silo process, in the order they were started (silo si first), space-separated.
silo_cpu_ticks() {
  local pid fields out=()
  for pid in "${pids[@]}"; do
    if read -r -a fields <"/proc/$pid/stat" 2>/dev/null; then
      out+=("$(( fields[13] + fields[14] ))")
    else
      out+=(0)
    fi
  done
  echo "${out[*]}"
}

# Prints "<leader peer id> <term>" ("none 0" when no peer leads or the status query fails).
leader_and_term() {
  local status
  status=$(run_client 20 status "${gateways[@]}" --peers "$peer_ids" --json 2>/dev/null) || { echo "none 0"; return; }
  jq -r '[.[] | select(.role == "Leader")] | if length == 0 then "none 0" else "\(.[0].peer) \(.[0].term)" end' <<<"$status"
}

# --compare: runs each system's cells, then prints the one table.
if [ "$compare" = 1 ]; then
  compare_started=$(date +%s)
  cell_args=(--peers "$peers_list" --storage "$storage_list" --topology "$topology_list" --clients "$clients_list"
             --value-size "$value_list" --duration "${dur_s}s" --warmup "${warm_s}s" --cell-warmup "${cell_warm_s}s" --keys "$keys"
             --gateway-order "$gateway_order" --silo-args "$silo_args")
  [ "$keep" = 1 ] && cell_args+=(--keep)
  failed=()
  first_line=0; [ -f "$out" ] && first_line=$(wc -l <"$out")

  # Every 0.5 s while process $1 lives: "<cell> <pid> <kB>" for each server process below it (a silo, an etcd member)
  # while a cell's client runs below it; the cell is "<clients>/<value size>" of a bench client with --warmup (a cell,
  # not a cluster warm-up), or "perf-<load>" of `etcdctl check perf`.
  rss_sampler() {
    local root=$1 file=$2
    while kill -0 "$root" 2>/dev/null; do
      ps -e -o pid=,ppid=,rss=,args= 2>/dev/null | awk -v root="$root" '
        { parent[$1] = $2; rss[$1] = $3; line = $0; sub(/^ *[0-9]+ +[0-9]+ +[0-9]+ /, "", line); args[$1] = line }
        function below(p,  n) { for (n = 0; n < 6 && p > 1; n++) { p = parent[p]; if (p == root) return 1 } return 0 }
        function opt(a, name) { return match(a, "--" name "[ =][^ ]+") ? substr(a, RSTART + length(name) + 3, RLENGTH - length(name) - 3) : "" }
        END {
          for (p in args) if (below(p)) {
            if (args[p] ~ /^dotnet [^ ]*(raft-client|Raft\.Benchmarks)\.dll (bench|etcd-bench) / && args[p] ~ / --warmup /) cell = opt(args[p], "clients") "/" opt(args[p], "value-size")
            else if (args[p] ~ /^etcdctl .* check perf /) cell = "perf-" opt(args[p], "load")
          }
          if (cell == "") exit
          for (p in args) if (below(p) && (args[p] ~ /^dotnet [^ ]*Raft\.Silo\.dll / || args[p] ~ /^[^ ]*\/etcd --name /)) print cell, p, rss[p]
        }' >>"$file" || true
      sleep 0.5
    done
  }

  # Appends the cells of one system's results file to $out, each with the system and its servers' peak RSS in MB
  # (ordered by pid: start order, so silo s0 or member m0 first).
  add_results() { # system results-file samples-file
    local rss='{}'
    [ -s "$3" ] && rss=$(awk '{ k = $1 " " $2; if ($3 > m[k]) m[k] = $3 } END { for (k in m) print k, m[k] }' "$3" |
      jq -Rn '[inputs | split(" ") | {cell: .[0], pid: (.[1] | tonumber), mb: ((.[2] | tonumber) / 1024 | round)}]
              | group_by(.cell) | map({key: .[0].cell, value: (sort_by(.pid) | map(.mb))}) | from_entries')
    [ -f "$2" ] || return 0
    jq -c --arg system "$1" --argjson rss "$rss" \
      '. + {system: $system, serverRssPeakMB: ($rss[.rssCell // "\(.clients)/\(.valueSize)"] // null)}' "$2" >>"$out"
  }

  # Runs a system's bench.sh (its progress on stderr, its own table discarded) with the memory sampler beside it.
  run_system() { # system bench.sh-command...
    local system=$1 status=0; shift
    "$@" --out "$work/$system.jsonl" >"$work/$system.table" </dev/null &
    sub_pid=$!
    rss_sampler "$sub_pid" "$work/$system.rss" &
    sampler_pid=$!
    wait "$sub_pid" || status=$?
    sub_pid=""
    wait "$sampler_pid" 2>/dev/null || true # ends with the process it watches
    sampler_pid=""
    [ "$status" = 0 ] || { echo "bench.sh --compare: $system: its bench.sh failed (exit $status)" >&2; failed+=("$system"); }
    add_results "$system" "$work/$system.jsonl" "$work/$system.rss"
  }

  # etcd: 3 members (scripts/failover-etcd.sh's command lines), the same cells through etcd-bench, then check perf.
  run_etcd() {
    local results=$work/etcd.jsonl i value clients load version
    version="etcd $(etcd --version | sed -n 's/^etcd Version: //p')"
    load_args=(); member_cmd=(); member_name=()
    . scripts/failover-etcd.sh
    for i in 0 1 2; do
      eval "exec ${member_cmd[i]}" >"$work/${member_name[i]}.log" 2>&1 </dev/null &
      member_pids[i]=$!
    done
    for i in 0 1 2; do
      wait_for_line "$work/${member_name[i]}.log" 0 "$ready_line" 60 "${member_pids[i]}" ||
        { echo "bench.sh --compare: etcd member ${member_name[i]} did not start; its log:" >&2; tail -20 "$work/${member_name[i]}.log" >&2; return 1; }
    done
    rss_sampler "$$" "$work/etcd.rss" &
    sampler_pid=$!
    if [ "$warm_s" -gt 0 ]; then
      run_limited $((warm_s + 60)) dotnet "$bench_dll" etcd-bench --endpoints "$endpoints" --clients 16 --seconds "$warm_s" --keys "$keys" >/dev/null 2>&1 || true
    fi
    for value in $(tr ',' ' ' <<<"$value_list"); do
      for clients in $(tr ',' ' ' <<<"$clients_list"); do
        local load_before; load_before=$(cut -d' ' -f1 /proc/loadavg)
        if ! run_limited $((dur_s + cell_warm_s + 90)) dotnet "$bench_dll" etcd-bench --endpoints "$endpoints" --clients "$clients" \
             --seconds "$dur_s" --warmup "$cell_warm_s" --value-size "$value" --keys "$keys" >"$work/cell.json" 2>"$work/cell.err"; then
          echo "bench.sh --compare: etcd cell $value B x $clients clients failed: $(tail -1 "$work/cell.err")" >&2
          echo '{}' >"$work/cell.json"
        fi
        jq -c --argjson clients "$clients" --argjson value "$value" --arg commit "$version" --argjson lb "$load_before" \
              --argjson la "$(cut -d' ' -f1 /proc/loadavg)" --arg time "$(date -u +%FT%TZ)" --argjson cores "$(nproc)" \
          '{label: "etcd", peers: 3, storage: "etcd", topology: "3 members", clients: $clients, valueSize: $value} + .
           + {tool: "Raft.Benchmarks etcd-bench (gRPC KV/Put)", loadAverage1m: $la, loadAverage1mBefore: $lb, cores: $cores, commit: $commit, time: $time}' \
          "$work/cell.json" >>"$results"
        tail -1 "$results" | jq -r '"bench.sh:   etcd \(.valueSize) B x \(.clients) clients: \(.opsPerSecond // "failed") ops/s, p50 \((.latencyMicros.p50 // 0)/1000) ms, p99 \((.latencyMicros.p99 // 0)/1000) ms, \(.errors // "-") errors, load \(.loadAverage1m)"' >&2
      done
    done
    if [ "$check_perf" = yes ]; then
      for clients in $(tr ',' ' ' <<<"$clients_list"); do
        case "$clients" in 50) load=s;; 200) load=m;; 500) load=l;; 1000) load=xl;; *) continue;; esac
        echo "bench.sh --compare: etcdctl check perf --load=$load ($clients clients, 60 s)" >&2
        local load_before; load_before=$(cut -d' ' -f1 /proc/loadavg)
        run_limited 240 etcdctl --endpoints "$endpoints" check perf --load="$load" >"$work/perf.out" 2>&1 || true # exit 1 when a check fails
        tr '\r' '\n' <"$work/perf.out" | jq -cRn --argjson clients "$clients" --arg load "$load" --arg commit "$version" --argjson lb "$load_before" \
              --argjson la "$(cut -d' ' -f1 /proc/loadavg)" --arg time "$(date -u +%FT%TZ)" --argjson cores "$(nproc)" '
          [inputs] as $lines
          | def number(re): [$lines[] | capture(re) | .n | tonumber][0];
          {label: "etcd check perf", peers: 3, storage: "etcd", topology: "3 members", clients: $clients, valueSize: 1024, keySize: 256,
           tool: "etcdctl check perf --load=\($load)", durationSeconds: 60, rssCell: "perf-\($load)",
           opsPerSecond: number("Throughput (is|too low:) (?<n>[0-9]+) writes/s"),
           latencyMicros: {max: (number("Slowest request took (too long: )?(?<n>[0-9.]+)s") | if . == null then null else . * 1e6 | round end)},
           stddevMicros: (number("Stddev (is|too high:) (?<n>[0-9.]+)s") | if . == null then null else . * 1e6 | round end),
           errors: ([$lines[] | capture("ERROR\\(.*\\) -> (?<n>[0-9]+)") | .n | tonumber] | add // 0),
           verdict: ([$lines[] | select(test("^(PASS|FAIL)$"))][-1]),
           loadAverage1m: $la, loadAverage1mBefore: $lb, cores: $cores, commit: $commit, time: $time}' >>"$work/etcd-check-perf.jsonl"
        tail -1 "$work/etcd-check-perf.jsonl" | jq -r '"bench.sh:   etcd check perf \(.clients) clients: \(.opsPerSecond // "failed") writes/s, slowest \((.latencyMicros.max // 0)/1000) ms, \(.errors) errors, load \(.loadAverage1m)"' >&2
      done
    fi
    stop_pids 1 "$sampler_pid"; sampler_pid=""
    stop_pids 5 "${member_pids[@]}"; member_pids=()
    add_results etcd "$results" "$work/etcd.rss"
    add_results etcd-check-perf "$work/etcd-check-perf.jsonl" "$work/etcd.rss"
  }

  echo "bench.sh --compare: $systems; $peers_list peers, $storage_list, $topology_list, $value_list B, clients $clients_list, ${dur_s} s per cell" \
       "after ${cell_warm_s} s warm-up; results -> $out ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  if has_system orleans; then
    echo "bench.sh --compare: (a) orleans, this build" >&2
    run_system orleans "$root/scripts/bench.sh" --no-build --silo-dll "$silo_dll" --client-dll "$client_dll" "${cell_args[@]}" --label orleans
  fi
  if has_system baseline; then
    base_dir=$work/baseline-$baseline_commit
    echo "bench.sh --compare: (b) baseline $baseline_commit: git worktree $base_dir, Release build" >&2
    if run_limited 1800 git worktree add --detach "$base_dir" "$baseline_commit" >"$work/baseline-build.log" 2>&1 &&
       run_limited 1800 dotnet build "$base_dir/Raft.Silo" -c Release -nologo -v quiet --disable-build-servers >>"$work/baseline-build.log" 2>&1 &&
       run_limited 1800 dotnet build "$base_dir/Raft.Client" -c Release -nologo -v quiet --disable-build-servers >>"$work/baseline-build.log" 2>&1 &&
       [ -f "$base_dir/scripts/bench.sh" ]; then
      run_system baseline bash "$base_dir/scripts/bench.sh" --no-build "${cell_args[@]}" --label "baseline $baseline_commit"
    else
      echo "bench.sh --compare: baseline $baseline_commit did not check out or build; the log's end:" >&2
      tail -20 "$work/baseline-build.log" >&2
      failed+=(baseline)
    fi
  fi
  if has_system etcd; then
    echo "bench.sh --compare: (c) etcd, 3 members" >&2
    run_etcd || failed+=(etcd)
  fi

  tail -n +"$((first_line + 1))" "$out" >"$work/this-run.jsonl"
  print_compare_table "$work/this-run.jsonl"
  elapsed=$(( $(date +%s) - compare_started ))
  echo "bench.sh --compare: done in $((elapsed / 60)) min $((elapsed % 60)) s (load $(cut -d' ' -f1-3 /proc/loadavg))${failed[*]:+; FAILED: ${failed[*]}}" >&2
  [ ${#failed[@]} = 0 ]
  exit
fi

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
      if [ "$gateway_order" != first ] && [ "$topology" = per-peer ] && [ "$leader" != none ]; then
        # Silo s<leader> hosts the leader: the client gets its gateway alone, or that of the next silo alone.
        gateway_silo=$leader
        [ "$gateway_order" = follower ] && gateway_silo=$(( (leader + 1) % peers ))
        gateways=("--gateway" "${gateways[$((2 * gateway_silo + 1))]}")
        gateway_leader=$leader
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
          cpu_sampler_pid=$!
          if run_client $((dur_s + cell_warm_s + 90)) bench "${gateways[@]}" --peers "$peer_ids" --clients "$clients" --duration "${dur_s}s" \
               --warmup "${cell_warm_s}s" --value-size "$value" --keys "$keys" --json >"$cell" 2>"$work/cell.err"; then
            :
          else
            echo "bench.sh: cell $peers/$storage/$topology/$value B/$clients clients failed: $(tail -1 "$work/cell.err")" >&2
            echo '{}' >"$cell"
          fi
          cpu_end=$(silo_cpu_ticks)
          wait "$cpu_sampler_pid" 2>/dev/null || true
          cpu_sampler_pid=""
          # Per silo seconds as a JSON array (silo si at index i), and their sum.
          silo_cpu_each=$(awk -v a="$(cat "$work/cpu.start" 2>/dev/null || echo "$cpu_end")" -v b="$cpu_end" -v hz="$(getconf CLK_TCK)" \
            'BEGIN { n = split(a, x, " "); split(b, y, " "); printf "["; for (i = 1; i <= n; i++) printf "%s%.2f", (i > 1 ? "," : ""), (y[i] - x[i]) / hz; printf "]" }')
          silo_cpu=$(jq -n --argjson each "$silo_cpu_each" '$each | add // 0 | . * 100 | round / 100')
          load_after=$(cut -d' ' -f1 /proc/loadavg)
          term_before=$term
          read -r leader term <<<"$(leader_and_term)"
          # Known only when the client was given the leader's gateway alone (Orleans picks among several per grain).
          colocated=null
          if [ "${#gateways[@]}" = 2 ] && [ "$gateway_order" != first ]; then
            colocated=$([ "$gateway_order" = leader ] && [ "$leader" = "${gateway_leader:-}" ] && echo true || echo false)
          fi
          jq -c --argjson peers "$peers" --arg storage "$storage" --arg topology "$topology" --arg lbl "$label" \
                --arg commit "$commit$dirty" --arg siloArgs "$silo_args" --arg silo "$silo_dll" --argjson siloCpu "$silo_cpu" --argjson siloCpuEach "$silo_cpu_each" --arg time "$(date -u +%FT%TZ)" --argjson cores "$(nproc)" \
                --argjson lb "$load_before" --argjson la "$load_after" --arg leader "$leader" \
                --argjson elections "$(( term > 0 && term_before > 0 ? term - term_before : -1 ))" --argjson colocated "$colocated" \
                --argjson clients "$clients" --argjson value "$value" \
                '{"label": $lbl, peers: $peers, storage: $storage, topology: $topology, clients: $clients, valueSize: $value}
                 + . + {leader: $leader, gatewayHostsLeader: $colocated, termChanges: $elections, loadAverage1m: $la, loadAverage1mBefore: $lb, cores: $cores, commit: $commit, siloDll: $silo, siloArgs: $siloArgs, time: $time}
                 + {siloCpuSeconds: $siloCpu, siloCpuSecondsEach: $siloCpuEach, cpuMicrosPerOp: (if (.operations // 0) > 0 then ((($siloCpu + (.clientCpuSeconds // 0)) * 1e6 / .operations) | round) else null end)}
                 # Where the CPU went, per committed write: the client process, the leader'"'"'s silo, each follower'"'"'s silo
                 # (per-peer topology: silo si hosts peer i).
                 | . + (if (.operations // 0) > 0 and $topology == "per-peer" and ($leader | test("^[0-9]+$")) then
                     (.operations as $ops | ($leader | tonumber) as $l
                      | {cpuMicrosPerOpBy: {client: (((.clientCpuSeconds // 0) * 1e6 / $ops) | round),
                                            leaderSilo: (($siloCpuEach[$l] * 1e6 / $ops) | round),
                                            followerSilos: [range(0; $siloCpuEach | length) | select(. != $l) | ($siloCpuEach[.] * 1e6 / $ops | round)]}})
                   else {} end)' \
                "$cell" >>"$out"
          tail -1 "$out" | jq -r '"bench.sh:   \(.valueSize) B x \(.clients) clients: \(.opsPerSecond // "failed") ops/s, p50 \((.latencyMicros.p50 // 0)/1000) ms, p99 \((.latencyMicros.p99 // 0)/1000) ms, \(.errors // "-") errors, leader \(.leader)\(if .gatewayHostsLeader then " (its gateway only)" else "" end), \(.termChanges) term changes, \(.cpuMicrosPerOp) CPU µs/op\(if .cpuMicrosPerOpBy then " (client \(.cpuMicrosPerOpBy.client), leader silo \(.cpuMicrosPerOpBy.leaderSilo), followers \(.cpuMicrosPerOpBy.followerSilos | map(tostring) | join("/")))" else "" end), load \(.loadAverage1m)"' >&2
        done
      done
      stop_silos
    done
  done
done

tail -n +"$((first_line + 1))" "$out" >"$work/this-run.jsonl"
print_table "$work/this-run.jsonl"
