# RaftOrleans for scripts/failover-bench.sh (sourced): Azurite's table service for the membership, and the command lines
# of three silos, one peer each (kv/i pinned to silo si), SQLite with fsync in the work directory.
system=raft-orleans
ready_line="Application started"
azurite=$root/node_modules/.bin/azurite-table
[ -x "$azurite" ] || { echo "failover-bench.sh: $azurite is missing; run npm ci first" >&2; exit 1; }
silo_dll=$root/Raft.Silo/bin/Release/net10.0/Raft.Silo.dll
[ -f "$silo_dll" ] || { echo "failover-bench.sh: build Raft.Silo in Release first" >&2; exit 1; }

# Membership describes the processes alive now: a fresh Azurite (its own folder and port) and cluster id per run.
table_port=$(free_port)
"$azurite" --tableHost 127.0.0.1 --tablePort "$table_port" --location "$work/azurite" --silent --disableTelemetry >"$work/azurite.log" 2>&1 &
azurite_pid=$!
wait_for_port "$table_port" 30 || { echo "failover-bench.sh: Azurite did not listen on $table_port ($work/azurite.log)" >&2; exit 1; }
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1"
cluster_id="failover-$(date +%s)"

# No web pages: three silos on one machine would all want port 8080, and the benchmark reads logs, not pages.
common=(--Cluster:Membership=AzureTable "--Cluster:ConnectionString=$connection" "--Cluster:ClusterId=$cluster_id" --Web:Enabled=false)
for i in 0 1 2; do common+=("--Raft:Groups:kv:$i=$i" "--Raft:PeerSilos:kv/$i=s$i"); done
read -r -a extra <<<"$silo_args"
common+=("${extra[@]}")
load_args+=(--cluster-id "$cluster_id")
for i in 0 1 2; do
  silo_port=$(free_port); gateway_port=$(free_port)
  member_name[i]=s$i
  member_cmd[i]="$(printf '%q ' dotnet "$silo_dll" "${common[@]}" "--Silo:SiloName=s$i" "--Silo:SiloPort=$silo_port" \
    "--Silo:GatewayPort=$gateway_port" "--Storage:Default:Path=$work/s$i.db")"
  load_args+=(--gateway "127.0.0.1:$gateway_port")
done

# One line per log entry, stamped in UTC to the µs: failover-load reads when the survivors elected a leader and saw
# the victim dead from these lines.
export Logging__Console__FormatterName=simple
export Logging__Console__FormatterOptions__SingleLine=true
export Logging__Console__FormatterOptions__UseUtcTimestamp=true
export Logging__Console__FormatterOptions__TimestampFormat='yyyy-MM-dd HH:mm:ss.ffffff '
export DOTNET_ENVIRONMENT=Production
