# etcd for scripts/failover-bench.sh --etcd (sourced): the command lines of a 3-member etcd on loopback (Debian's
# etcd-server), each member's data in the work directory. etcd's defaults: heartbeat 100 ms, election timeout 1 s,
# fsync of the WAL on every commit, no pre-vote (3.4). Clients use its JSON gateway (/v3/kv/put), which it serves on
# the client port by default.
system=etcd
ready_line="serving client traffic"
etcd_bin=$(command -v etcd || true)
[ -n "$etcd_bin" ] || { echo "failover-bench.sh: etcd is not installed (apt-get install -y etcd-server etcd-client)" >&2; exit 1; }
client_ports=(); peer_ports=(); endpoints=""; initial_cluster=""
for i in 0 1 2; do
  client_ports[i]=$(free_port); peer_ports[i]=$(free_port)
  endpoints+="${endpoints:+,}http://127.0.0.1:${client_ports[i]}"
  initial_cluster+="${initial_cluster:+,}m$i=http://127.0.0.1:${peer_ports[i]}"
done
for i in 0 1 2; do
  member_name[i]=m$i
  # A restarted member finds its data directory and ignores the --initial-* flags.
  member_cmd[i]="$(printf '%q ' "$etcd_bin" --name "m$i" --data-dir "$work/m$i.etcd" \
    --listen-client-urls "http://127.0.0.1:${client_ports[i]}" --advertise-client-urls "http://127.0.0.1:${client_ports[i]}" \
    --listen-peer-urls "http://127.0.0.1:${peer_ports[i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer_ports[i]}" \
    --initial-cluster "$initial_cluster" --initial-cluster-state new --initial-cluster-token "failover-$$" \
    --logger zap --log-outputs stderr)"
done
load_args+=(--etcd "$endpoints")
