#!/usr/bin/env bash
# Per-packet cost of a per-VM conntrack quota (issue 12): new TCP connections per second that one tracked "VM"
# opens through a router namespace, without a quota and with the agent's quota chain (xt_connlimit, mask 0,
# limit far above what the run reaches, so nothing is refused and only the bookkeeping is measured), the latter
# also with many connections already held open (xt_connlimit re-checks its list of counted connections at most
# once per jiffy). Needs root, iproute2, iptables, conntrack, python3. Creates namespaces qb-r/qb-c/qb-s and removes
# them on exit; touches nothing else.
#
#   bench/quota-rate.sh [seconds-per-run (default 5)] [runs (default 3)]
set -euo pipefail
secs="${1:-5}"
runs="${2:-3}"
ns=(qb-r qb-c qb-s)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for n in "${ns[@]}"; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup
for n in "${ns[@]}"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add qbc type veth peer name eth0 netns qb-c
ip link set qbc netns qb-r
ip link add qbs type veth peer name eth0 netns qb-s
ip link set qbs netns qb-r
ip -n qb-r addr add 10.98.1.1/24 dev qbc
ip -n qb-r addr add 10.98.2.1/24 dev qbs
ip -n qb-r link set qbc up
ip -n qb-r link set qbs up
ip -n qb-c addr add 10.98.1.2/24 dev eth0
ip -n qb-s addr add 10.98.2.2/24 dev eth0
ip -n qb-c link set eth0 up
ip -n qb-s link set eth0 up
ip -n qb-c route add default via 10.98.1.1
ip -n qb-s route add default via 10.98.2.1
ip netns exec qb-r sysctl -qw net.ipv4.ip_forward=1
# The client's ephemeral ports must not run out during a run.
ip netns exec qb-c sysctl -qw net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1

# The shape the agent compiles for a tracked VM (egress open, ingress tcp/8080): with QUOTA=1 its passes go through
# sga-o-/sga-a- and the one connlimit rule of sga-q-.
rules() {
    local quota="$1" out="-g EGRESS-OK" in="-j ACCEPT"
    if [ "$quota" = 1 ]; then out="-g o-vm"; in="-g a-vm"; fi
    cat <<R
*filter
:FORWARD ACCEPT [0:0]
:EGRESS-OK - [0:0]
:e-vm - [0:0]
:i-vm - [0:0]
:q-vm - [0:0]
:a-vm - [0:0]
:o-vm - [0:0]
:QUOTA-FULL - [0:0]
-A FORWARD -i qbc -g e-vm
-A FORWARD -o qbc -g i-vm
-A EGRESS-OK -j ACCEPT
-A e-vm $out
-A i-vm -p tcp -m tcp --dport 8080 $in
-A i-vm -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A i-vm -j DROP
-A q-vm -m conntrack --ctstate NEW -m connlimit --connlimit-above 1000000 --connlimit-mask 0 --connlimit-saddr -j QUOTA-FULL
-A a-vm -j q-vm
-A a-vm -j ACCEPT
-A o-vm -j q-vm
-A o-vm -g EGRESS-OK
-A QUOTA-FULL -p tcp -j REJECT --reject-with tcp-reset
-A QUOTA-FULL -j DROP
COMMIT
R
}

serve() {
    ip netns exec qb-s python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4096)
held = []
while True:
    c, _ = s.accept()
    if sys.argv[2] == "hold": held.append(c)
    else: c.close()
' "$1" "$2" &
    pids+=($!)
}
serve 8080 close
serve 9090 hold
sleep 0.5

rate() {
    ip netns exec qb-c python3 -c '
import socket, sys, time
end = time.monotonic() + float(sys.argv[1]); n = 0
while time.monotonic() < end:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.connect(("10.98.2.2", 8080)); s.close(); n += 1
print(int(n / float(sys.argv[1])))
' "$secs"
}

hold() {
    ip netns exec qb-c python3 -c '
import socket, sys, time
socks = []
for i in range(int(sys.argv[1])):
    s = socket.socket(); s.connect(("10.98.2.2", 9090)); socks.append(s)
print("held", len(socks), flush=True)
sys.stdin.read()
' "$1"
}

measure() {
    local label="$1" quota="$2" held="$3" holder="" results=()
    rules "$quota" | ip netns exec qb-r iptables-restore
    ip netns exec qb-r conntrack -F >/dev/null 2>&1 || true
    if [ "$held" -gt 0 ]; then
        coproc HOLDER { hold "$held"; }
        read -r _ _ <&"${HOLDER[0]}"
        holder="$HOLDER_PID"
    fi
    for _ in $(seq "$runs"); do
        results+=("$(rate)")
        ip netns exec qb-r conntrack -D -p tcp --dport 8080 >/dev/null 2>&1 || true
    done
    if [ -n "$holder" ]; then
        eval "exec ${HOLDER[1]}>&-"
        wait "$holder" 2>/dev/null || true
    fi
    printf '%-44s %s conn/s (runs: %s)\n' "$label" \
        "$(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")" "${results[*]}"
}

echo "kernel $(uname -r), $(nproc) CPUs, ${secs}s per run, median of ${runs}"
measure "tracked, no quota" 0 0
measure "tracked, quota (connlimit), 0 held" 1 0
measure "tracked, quota (connlimit), 1000 held" 1 1000
measure "tracked, quota (connlimit), 5000 held" 1 5000
measure "tracked, no quota, 5000 held" 0 5000
