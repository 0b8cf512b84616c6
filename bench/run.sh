#!/usr/bin/env bash
# The hypervisor benchmark (issue 7): builds the agent jar, runs the JMH compiler benchmark, then the kernel benchmark
# on a namespace hypervisor it creates and removes (1000 VMs x 40 rules); prints a table and writes
# docs/benchmarks.md and docs/benchmarks.png. Needs root and the kernel tools of the README's quick start.
#
#   bench/run.sh                          # the full run (about 10 minutes)
#   bench/run.sh --vms 100 --quick        # issue 11's figures only (cold, update vs floor, 200k conntrack entries,
#                                         # drift hold, memory), no JMH: a few minutes
#   bench/run.sh -Dbench.skipJmh=true     # kernel part only; other knobs: -Dbench.vms=... (see pom.xml, profile bench)
#   SGAGENT_BUILD_DIR=/tmp/x bench/run.sh # Maven output directory (default: target)
#   SGAGENT_BENCH_JVMOPTIONS=/tmp/alt.options bench/run.sh --quick   # measure other JVM options than
#                                         # config/jvm.options; SGAGENT_BENCH_DRIFT=0s turns the drift check off
# Options: --vms N, --updates N, --quick, --offline (Maven -o); anything else goes to Maven as is.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
    echo "bench/run.sh: needs root (it creates network namespaces and programs iptables in them)" >&2
    exit 1
fi
missing=()
for tool in ip iptables-restore ip6tables-restore ebtables-nft-restore ipset conntrack python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench/run.sh: missing ${missing[*]} (apt-get install -y iptables ipset conntrack iproute2 python3 ebtables)" >&2
    exit 1
fi
modprobe br_netfilter 2>/dev/null || true

build_dir="${SGAGENT_BUILD_DIR:-$PWD/target}"
command_line="bench/run.sh${*:+ $*}"
maven=()
while [ $# -gt 0 ]; do
    case "$1" in
        --vms) maven+=("-Dbench.vms=$2"); shift 2 ;;
        --updates) maven+=("-Dbench.updates=$2"); shift 2 ;;
        --quick) export SGAGENT_BENCH_QUICK=1; maven+=("-Dbench.skipJmh=true"); shift ;;
        --offline) maven+=("-o"); shift ;;
        *) maven+=("$1"); shift ;;
    esac
done
if [ -n "${SGAGENT_BUILD_DIR:-}" ]; then
    command_line="SGAGENT_BUILD_DIR=$SGAGENT_BUILD_DIR $command_line"
fi
exec ./mvnw -B -Pbench verify -Dsgagent.build.dir="$build_dir" -Dbench.command="$command_line" ${maven[@]+"${maven[@]}"}
