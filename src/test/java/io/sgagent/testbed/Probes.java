package io.sgagent.testbed;

/**
 * The python3 programs behind the probes. They are passed as {@code python3 -c <script> args...} (argv, no shell).
 * Only the standard library is used, so any python3 &ge; 3.7 works.
 *
 * <p>Client exit codes: 0 success, 1 timeout, 2 refused, 3 unreachable, 4 mismatch, 10 usage/setup error
 * (bad address, cannot bind the source address...), see {@link ProbeResult#fromExitCode(int)}.
 */
final class Probes {

    private Probes() {
    }

    /** argv: mode(tcp|udp|ping) dst port src('' = none) budgetSeconds. */
    static final String CLIENT = """
            import errno, os, select, socket, struct, sys, time
            mode, dst, port, src, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
            deadline = time.monotonic() + budget
            fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
            payload = b'sgagent-probe-' + os.urandom(8).hex().encode()
            NET = {errno.ECONNREFUSED: 2, errno.ECONNRESET: 2, errno.EHOSTUNREACH: 3, errno.ENETUNREACH: 3,
                   errno.EACCES: 3, errno.EPERM: 3, errno.EHOSTDOWN: 3, errno.ENONET: 3, errno.ETIMEDOUT: 1}

            def left():
                return deadline - time.monotonic()

            def die(code, msg):
                sys.stderr.write(msg + chr(10))
                sys.stderr.flush()
                os._exit(code)

            def addr(host, p):
                try:
                    return socket.getaddrinfo(host, p, fam, socket.SOCK_DGRAM, 0, socket.AI_NUMERICHOST)[0][4]
                except socket.gaierror as e:
                    die(10, 'bad address %s: %s' % (host, e))

            def fail(e):
                code = NET.get(e.errno)
                if code is None:
                    die(10, '%s: %s' % (type(e).__name__, e))
                die(code, errno.errorcode.get(e.errno, str(e.errno)))

            def bind(s):
                if src:
                    try:
                        s.bind(addr(src, 0))
                    except OSError as e:
                        die(10, 'cannot bind %s: %s' % (src, e))

            def tcp():
                s = socket.socket(fam, socket.SOCK_STREAM)
                bind(s)
                got = b''
                try:
                    s.settimeout(max(left(), 0.01))
                    s.connect(addr(dst, port))
                    s.sendall(payload)
                    while len(got) < len(payload):
                        s.settimeout(max(left(), 0.01))
                        d = s.recv(4096)
                        if not d:
                            break
                        got += d
                except socket.timeout:
                    die(1, 'timeout')
                except OSError as e:
                    fail(e)
                s.close()
                die(0 if got == payload else 4, 'received %r' % got)

            def udp():
                s = socket.socket(fam, socket.SOCK_DGRAM)
                bind(s)
                try:
                    s.connect(addr(dst, port))
                except OSError as e:
                    fail(e)
                nxt = 0.0
                while True:
                    now = time.monotonic()
                    if now >= deadline:
                        die(1, 'timeout')
                    if now >= nxt:
                        try:
                            s.send(payload)
                        except OSError as e:
                            fail(e)
                        nxt = now + 0.5
                    r = select.select([s], [], [], max(0.0, min(deadline, nxt) - time.monotonic()))[0]
                    if r:
                        try:
                            d = s.recv(65536)
                        except OSError as e:
                            fail(e)
                        if d == payload:
                            die(0, 'ok')

            def csum(b):
                if len(b) % 2:
                    b += bytes(1)
                t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
                while t >> 16:
                    t = (t & 0xffff) + (t >> 16)
                return ~t & 0xffff

            def ping():
                v6 = fam == socket.AF_INET6
                s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
                bind(s)
                a = addr(dst, 0)
                want = socket.inet_pton(fam, a[0].split('%')[0])
                ident = int.from_bytes(os.urandom(2), 'big')
                req, rep = (128, 129) if v6 else (8, 0)
                seq = 0
                nxt = 0.0
                while True:
                    now = time.monotonic()
                    if now >= deadline:
                        die(1, 'timeout')
                    if now >= nxt:
                        seq += 1
                        h = struct.pack('!BBHHH', req, 0, 0, ident, seq) + payload
                        if not v6:
                            h = h[:2] + struct.pack('!H', csum(h)) + h[4:]
                        try:
                            s.sendto(h, a)
                        except OSError as e:
                            fail(e)
                        nxt = now + 0.5
                    r = select.select([s], [], [], max(0.0, min(deadline, nxt) - time.monotonic()))[0]
                    if not r:
                        continue
                    try:
                        data, frm = s.recvfrom(65536)
                    except OSError as e:
                        fail(e)
                    icmp = data if v6 else data[(data[0] & 0x0f) * 4:]
                    if len(icmp) < 8:
                        continue
                    t = icmp[0]
                    if t == rep and struct.unpack('!H', icmp[4:6])[0] == ident and icmp[8:] == payload \\
                            and socket.inet_pton(fam, frm[0].split('%')[0]) == want:
                        die(0, 'ok')
                    if t in ((1, 3) if v6 else (3, 11)):
                        inner = icmp[8:]
                        if v6:
                            inner = inner[40:]
                        elif inner:
                            inner = inner[(inner[0] & 0x0f) * 4:]
                        if len(inner) >= 6 and inner[0] == req and struct.unpack('!H', inner[4:6])[0] == ident:
                            die(3, 'icmp error type %d code %d' % (t, icmp[1]))

            {'tcp': tcp, 'udp': udp, 'ping': ping}[mode]()
            """;

    /** Common prologue of the servers: exit as soon as stdin reaches EOF (i.e. the JVM went away). */
    private static final String SERVER_PROLOGUE = """
            import errno, os, select, socket, struct, sys, threading
            def _watch():
                try:
                    sys.stdin.buffer.read()
                finally:
                    os._exit(0)
            threading.Thread(target=_watch, daemon=True).start()
            port = int(sys.argv[1])
            """;

    /** argv: port. Dual-stack TCP echo server; prints "ready" once listening. */
    static final String TCP_SERVER = SERVER_PROLOGUE + """
            try:
                srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                addr = ('::', port)
            except OSError:
                srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                addr = ('0.0.0.0', port)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind(addr)
            srv.listen(128)
            print('ready', flush=True)

            def handle(c):
                try:
                    c.settimeout(10)
                    while True:
                        d = c.recv(65536)
                        if not d:
                            break
                        c.sendall(d)
                except OSError:
                    pass
                finally:
                    c.close()

            while True:
                try:
                    conn = srv.accept()[0]
                except OSError:
                    continue
                threading.Thread(target=handle, args=(conn,), daemon=True).start()
            """;

    /**
     * argv: port. UDP echo server on 0.0.0.0 and :: (two sockets). Replies are sent from the address the request
     * was sent to (IP_PKTINFO / IPV6_PKTINFO), so multi-address VMs answer from the right source.
     */
    static final String UDP_SERVER = SERVER_PROLOGUE + """
            IP_PKTINFO = getattr(socket, 'IP_PKTINFO', 8)
            socks = []
            s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s4.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            s4.bind(('0.0.0.0', port))
            socks.append(s4)
            try:
                s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
                s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s6.bind(('::', port))
                socks.append(s6)
            except OSError as e:
                if e.errno not in (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL):
                    raise
            print('ready', flush=True)
            while True:
                for s in select.select(socks, [], [])[0]:
                    try:
                        data, anc, flags, peer = s.recvmsg(65535, 1024)
                    except OSError:
                        continue
                    out = []
                    for lvl, typ, cd in anc:
                        if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO and len(cd) >= 12:
                            dst = cd[8:12]
                            out = [(socket.IPPROTO_IP, IP_PKTINFO, struct.pack('i4s4s', 0, dst, bytes(4)))]
                        elif lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO and len(cd) >= 20:
                            dst, ifindex = struct.unpack('16si', cd[:20])
                            out = [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, struct.pack('16si', dst, ifindex))]
                    try:
                        s.sendmsg([data], out, 0, peer)
                    except OSError:
                        try:
                            s.sendto(data, peer)
                        except OSError:
                            pass
            """;

    /** argv: key=value... Writes /proc/sys entries of the current network namespace (no procps needed). */
    static final String SYSCTL = """
            import sys
            bad = []
            for kv in sys.argv[1:]:
                k, v = kv.split('=', 1)
                try:
                    with open('/proc/sys/' + k.replace('.', '/'), 'w') as f:
                        f.write(v)
                except OSError as e:
                    bad.append('%s: %s' % (k, e))
            if bad:
                sys.stderr.write('; '.join(bad))
                sys.exit(1)
            """;
}
