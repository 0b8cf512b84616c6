package io.sgagent.kernel;

import io.sgagent.testbed.ExecResult;
import io.sgagent.testbed.Vm;
import java.util.concurrent.TimeUnit;

/**
 * Sends one raw IP packet of an arbitrary protocol number and reports whether the target's raw socket saw
 * it. Used to prove numeric-protocol rules with real packets (no echo: one direction is enough).
 */
final class RawProtocolProbe {
    private static final String RECEIVE = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(sys.argv[1]))
            s.settimeout(2.5)
            print("ready", flush=True)
            try:
                while True:
                    data, addr = s.recvfrom(2048)
                    if data[20:].startswith(b"sgagent-probe"):
                        print("got", flush=True)
                        break
            except socket.timeout:
                print("none", flush=True)
            """;
    private static final String SEND = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(sys.argv[2]))
            for _ in range(3):
                s.sendto(b"sgagent-probe", (sys.argv[1], 0))
                time.sleep(0.2)
            """;

    private RawProtocolProbe() {
    }

    static boolean send(Vm from, Vm to, String targetIp, int protocol) {
        try {
            Process receiver = new ProcessBuilder("ip", "netns", "exec", to.namespace(), "python3", "-c", RECEIVE,
                    Integer.toString(protocol)).redirectErrorStream(true).start();
            // wait until the raw socket is open
            var reader = new java.io.BufferedReader(new java.io.InputStreamReader(receiver.getInputStream()));
            String first = reader.readLine();
            if (!"ready".equals(first)) {
                throw new IllegalStateException("raw receiver did not start: " + first);
            }
            ExecResult sent = from.exec("python3", "-c", SEND, targetIp, Integer.toString(protocol));
            if (!sent.ok()) {
                throw new IllegalStateException("raw send failed: " + sent.describe());
            }
            String verdict = reader.readLine();
            receiver.waitFor(5, TimeUnit.SECONDS);
            receiver.destroyForcibly();
            return "got".equals(verdict);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
