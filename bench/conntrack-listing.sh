#!/bin/bash
# Times conntrack listing by address vs by mark, and deletes by tuple, tuple and mark, and address, at 200k entries
# in a throw-away namespace.
# Run as root under the kernel-test lock: flock /tmp/sgagent-kernel-it.lock bench/conntrack-listing.sh
# Needs nf_conntrack_max >= 200200 (unchanged here). The namespace is removed on exit.
set -u
T="${TMPDIR:-/tmp}"
N=cmk-bench
trap 'ip netns del $N 2>/dev/null' EXIT
ip netns add $N
ip netns exec $N iptables -A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT
python3 - > "$T/fill" <<'PY'
for k in range(200_000):
    print(f"-I -s 198.18.{(k>>16)&0xff}.{(k>>8)&0xff} -d 198.19.{k&0xff}.{(k>>8)&0x0f} -p tcp --sport {1024+k%60000} --dport 443 --state ESTABLISHED -t 3600 -u ASSURED")
PY
# the VM: 200 flows, marked with its ingress slot (0x64/0x7f as in the golden files)
python3 - > "$T/vm" <<'PY'
for k in range(200):
    print(f"-I -s 203.0.113.{k%250} -d 10.99.9.10 -p tcp --sport {20000+k} --dport 22 --state ESTABLISHED -t 3600 -u ASSURED -m 100")
PY
sed -e 's/^-I /-D -f ipv4 /' -e 's/ --state.*//' "$T/vm" > "$T/vm-delete"
sed -e 's|$| -m 0x64/0x7f|' "$T/vm-delete" > "$T/vm-delete-marked"
cat "$T/vm" >> "$T/fill"
ip netns exec $N conntrack -R "$T/fill" 2>&1 | tail -1
echo "entries: $(ip netns exec $N conntrack -C)"
t() { local s e; s=$(date +%s%N); "$@" > "$T/out" 2>/dev/null; e=$(date +%s%N); echo "$(( (e-s)/1000000 )) ms, $(grep -c src= "$T/out") lines"; }
for _ in 1 2 3 4 5; do
  echo "by address -s: $(t ip netns exec $N conntrack -L -f ipv4 -s 10.99.9.10)"
  echo "by address -d: $(t ip netns exec $N conntrack -L -f ipv4 -d 10.99.9.10)"
  echo "by mark      : $(t ip netns exec $N conntrack -L -f ipv4 -m 0x64/0x7f)"
  echo "count -C     : $(t ip netns exec $N conntrack -C)"
done
# Deleting flows. The tool finds what it deletes by dumping the table, so a delete costs a listing: by tuple alone
# a full copy to user space per delete, by tuple and mark (a narrowing cut, which listed them by mark) a dump the
# kernel filters. A VM deleted (B7) goes by address (-s, -d); a full sync removing many VMs lists the table once
# (-L, both families) to delete only the addresses that have entries.
echo "200 tuple deletes -R        : $(t ip netns exec $N conntrack -R "$T/vm-delete")"
ip netns exec $N conntrack -R "$T/vm" > /dev/null 2>&1
for _ in 1 2 3; do
  echo "200 tuple+mark deletes -R   : $(t ip netns exec $N conntrack -R "$T/vm-delete-marked")"
  ip netns exec $N conntrack -R "$T/vm" > /dev/null 2>&1
  echo "full listing -L             : $(t ip netns exec $N conntrack -L)"
  echo "delete by -s                : $(t ip netns exec $N conntrack -D -f ipv4 -s 10.99.9.10)"
  echo "delete by -d                : $(t ip netns exec $N conntrack -D -f ipv4 -d 10.99.9.10)"
  ip netns exec $N conntrack -R "$T/vm" > /dev/null 2>&1
done
