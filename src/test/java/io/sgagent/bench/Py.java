package io.sgagent.bench;

/** The python3 programs the benchmark runs inside namespaces (standard library only). */
final class Py {
    private Py() {
    }

    /** argv: port. Dual-stack TCP server that accepts and closes at once; exits when stdin closes. */
    static final String ACCEPT_SERVER = """
            import os, socket, sys, threading
            def _watch():
                try:
                    sys.stdin.buffer.read()
                finally:
                    os._exit(0)
            threading.Thread(target=_watch, daemon=True).start()
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('::', int(sys.argv[1])))
            s.listen(4096)
            print('ready', flush=True)
            while True:
                try:
                    c = s.accept()[0]
                    c.close()
                except OSError:
                    pass
            """;

    /**
     * argv: port warmup count ip... Measures the duration of connect() (SYN to SYN-ACK, i.e. the first packet's
     * round trip) to each target, in a shuffled order per round so drift affects all alike, 2 ms apart so the
     * previous connection's server work does not overlap the next measurement. Prints one line per target:
     * "ip ok failed v1 v2 ..." with values in microseconds.
     */
    static final String CONNECT_LATENCY = """
            import random, socket, sys, time
            port, warm, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
            targets = sys.argv[4:]
            res = {t: [] for t in targets}
            fail = {t: 0 for t in targets}
            def one(t):
                fam = socket.AF_INET6 if ':' in t else socket.AF_INET
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.settimeout(3)
                try:
                    t0 = time.perf_counter_ns()
                    s.connect((t, port))
                    return (time.perf_counter_ns() - t0) / 1000.0
                except OSError:
                    return None
                finally:
                    s.close()
            for i in range(warm):
                for t in targets:
                    one(t)
            rnd = random.Random(7)
            for i in range(count):
                order = list(targets)
                rnd.shuffle(order)
                for t in order:
                    # let the previous connection's server side (accept, close) finish first
                    time.sleep(0.002)
                    v = one(t)
                    if v is None:
                        fail[t] += 1
                    else:
                        res[t].append(v)
            for t in targets:
                print(t, len(res[t]), fail[t], ' '.join('%.1f' % v for v in res[t]))
            """;

    /**
     * argv: ip port count procs. Opens count TCP connections (connect, then close) split over procs processes as
     * fast as possible. Prints "ok failed seconds".
     */
    static final String FLOOD = """
            import os, socket, sys, time
            ip, port, count, procs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
            fam = socket.AF_INET6 if ':' in ip else socket.AF_INET
            def work(n, w):
                ok = bad = 0
                for i in range(n):
                    s = socket.socket(fam, socket.SOCK_STREAM)
                    s.settimeout(2)
                    try:
                        s.connect((ip, port))
                        ok += 1
                    except OSError:
                        bad += 1
                    finally:
                        s.close()
                os.write(w, ('%d %d\\n' % (ok, bad)).encode())
                os._exit(0)
            pipes = []
            t0 = time.perf_counter()
            for p in range(procs):
                r, w = os.pipe()
                if os.fork() == 0:
                    os.close(r)
                    work(count // procs + (1 if p < count % procs else 0), w)
                os.close(w)
                pipes.append(r)
            ok = bad = 0
            for r in pipes:
                data = b''
                while True:
                    chunk = os.read(r, 100)
                    if not chunk:
                        break
                    data += chunk
                a, b = data.split()
                ok += int(a)
                bad += int(b)
            while True:
                try:
                    os.wait()
                except ChildProcessError:
                    break
            print(ok, bad, '%.4f' % (time.perf_counter() - t0))
            """;

    /**
     * argv: tool table chainsFile rulesFile maxRules maxSeconds. The per-rule approach (as CloudStack's
     * security_group.py does it): one {@code iptables} process per rule. Chains are created first (not timed).
     * Prints "rules seconds".
     */
    static final String PER_RULE = """
            import shlex, subprocess, sys, time
            tool, table, chains, rules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
            max_rules, max_seconds = int(sys.argv[5]), float(sys.argv[6])
            for c in open(chains).read().split():
                subprocess.run([tool, '-w', '-t', table, '-N', c], check=True)
            lines = [l for l in open(rules).read().splitlines() if l.strip()]
            n = 0
            t0 = time.perf_counter()
            for l in lines:
                if n >= max_rules or time.perf_counter() - t0 > max_seconds:
                    break
                subprocess.run([tool, '-w', '-t', table] + shlex.split(l), check=True, stdout=subprocess.DEVNULL)
                n += 1
            print(n, '%.4f' % (time.perf_counter() - t0))
            """;

    /** argv: port. Polls http://127.0.0.1:port/actuator/health/readiness every 20 ms; exits 0 on the first 200. */
    static final String POLL_READY = """
            import sys, time, urllib.request
            url = 'http://127.0.0.1:%s/actuator/health/readiness' % sys.argv[1]
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                try:
                    if urllib.request.urlopen(url, timeout=2).status == 200:
                        sys.exit(0)
                except Exception:
                    pass
                time.sleep(0.02)
            sys.exit(1)
            """;

    /** argv: key=value... Writes /proc/sys entries of the current network namespace. */
    static final String SYSCTL = """
            import sys
            for kv in sys.argv[1:]:
                k, v = kv.split('=', 1)
                with open('/proc/sys/' + k.replace('.', '/'), 'w') as f:
                    f.write(v)
            """;
}
