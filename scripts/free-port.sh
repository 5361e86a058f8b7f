# free_port, sourced by scripts/bench.sh and scripts/failover-bench.sh.

# A free loopback TCP port: random, not in use now, not handed out before in this run.
used_ports=" "
free_port() {
  local p
  while true; do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    case "$used_ports" in *" $p "*) continue;; esac
    if ! ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null | grep -q .; then
      used_ports+="$p "
      echo "$p"
      return
    fi
  done
}
