#!/usr/bin/env bash
# Starts N silo processes on loopback, one Raft peer each (peer kv/i on silo si), with SQLite files and logs
# under ./data. Silo i listens on 11111+i (silos) and 30000+i (gateway). Stop them with: pkill -f Raft.Silo.dll
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
case "$n" in ''|*[!0-9]*) echo "usage: $0 [number of peers, default 3]" >&2; exit 2;; esac
dotnet build Raft.Silo -c Release -nologo -v quiet
mkdir -p data
common=()
for ((i = 0; i < n; i++)); do
  common+=("--Cluster:Silos:$i:Name=s$i" "--Cluster:Silos:$i:SiloPort=$((11111 + i))" "--Cluster:Silos:$i:GatewayPort=$((30000 + i))"
           "--Raft:Groups:kv:$i=$i" "--Raft:PeerSilos:kv/$i=s$i")
done
for ((i = 0; i < n; i++)); do
  nohup dotnet Raft.Silo/bin/Release/net10.0/Raft.Silo.dll "${common[@]}" \
    "--Silo:SiloName=s$i" "--Silo:SiloPort=$((11111 + i))" "--Silo:GatewayPort=$((30000 + i))" \
    "--Storage:Default:Path=$PWD/data/s$i.db" > "data/s$i.log" 2>&1 &
  echo "silo s$i: pid $!, gateway 127.0.0.1:$((30000 + i)), log data/s$i.log"
done
