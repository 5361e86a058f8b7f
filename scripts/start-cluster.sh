#!/usr/bin/env bash
# Starts N silo processes on loopback, one Raft peer each (peer kv/i on silo si), with SQLite files and logs under
# ./data, and the membership table in Azure Table storage on a local Azurite (table service only, its own data folder
# data/azurite, a free port), so that kill -9 of any silo, the first included, leaves the others serving.
# Silo i listens on 11111+i (silo to silo) and 30000+i (gateway). Stays in the foreground; Ctrl+C stops every process
# it started (by pid). Needs `npm ci` once (Azurite from package.json).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
case "$n" in ''|*[!0-9]*|0) echo "usage: $0 [number of silos/peers, default 3]" >&2; exit 2;; esac
azurite=node_modules/.bin/azurite-table
[[ -x $azurite ]] || { echo "$0: $azurite is missing; run npm ci first" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for ((i = 0; i < n; i++)); do
  for port in $((11111 + i)) $((30000 + i)); do
    port_free "$port" || { echo "$0: port $port is in use (another cluster running?)" >&2; exit 1; }
  done
done

dotnet build Raft.Silo -c Release -nologo -v quiet
mkdir -p data
azurite_pid=
silo_pids=()
# The silos first (SIGTERM: a graceful stop, which marks them Dead in the membership table), then Azurite, which holds
# that table; a silo still running after 20 s is killed.
stop() {
  trap - INT TERM EXIT
  echo "stopping silos ${silo_pids[*]}${azurite_pid:+ and azurite $azurite_pid}"
  for pid in "${silo_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for ((t = 0; t < 200; t++)); do
    alive=0
    for pid in "${silo_pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${silo_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [[ -n $azurite_pid ]] && kill "$azurite_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# Membership describes the processes alive now, so each run starts from an empty table.
table_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -rf data/azurite && mkdir -p data/azurite
"$azurite" --tableHost 127.0.0.1 --tablePort "$table_port" --location data/azurite --silent --disableTelemetry > data/azurite.log 2>&1 &
azurite_pid=$!
for ((t = 0; t < 100; t++)); do port_free "$table_port" || break; sleep 0.1; done
port_free "$table_port" && { echo "$0: Azurite did not listen on $table_port (data/azurite.log)" >&2; exit 1; }
echo "azurite-table: pid $azurite_pid, port $table_port, log data/azurite.log"
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1"

common=(--Cluster:Membership=AzureTable "--Cluster:ConnectionString=$connection")
for ((i = 0; i < n; i++)); do
  common+=("--Raft:Groups:kv:$i=$i" "--Raft:PeerSilos:kv/$i=s$i")
done
gateways=()
for ((i = 0; i < n; i++)); do
  args=("${common[@]}" "--Silo:SiloName=s$i" "--Silo:SiloPort=$((11111 + i))" "--Silo:GatewayPort=$((30000 + i))"
        "--Storage:Default:Path=$PWD/data/s$i.db" "--Web:Port=$((8080 + i))")
  # The command line, to start this silo again by hand after killing it: bash data/s$i.sh
  printf 'exec dotnet %q' "$PWD/Raft.Silo/bin/Release/net10.0/Raft.Silo.dll" > "data/s$i.sh"
  printf ' %q' "${args[@]}" >> "data/s$i.sh"
  echo >> "data/s$i.sh"
  bash "data/s$i.sh" > "data/s$i.log" 2>&1 &
  silo_pids+=($!)
  gateways+=("--gateway 127.0.0.1:$((30000 + i))")
  echo "silo s$i: pid $!, gateway 127.0.0.1:$((30000 + i)), pages http://127.0.0.1:$((8080 + i))/raft, log data/s$i.log, restart with: bash data/s$i.sh"
done
echo "client: dotnet run --project Raft.Client -- status ${gateways[*]}"
echo "Ctrl+C stops them all."
wait
