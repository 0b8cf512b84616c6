package io.sgagent.kernel;

import io.sgagent.SgAgentApplication;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The real agent (the whole Spring application, HTTP included) started in-process on a random port and
 * pointed at a test hypervisor namespace. Tests talk to it only over HTTP, as a management plane would.
 */
public final class RunningAgent implements AutoCloseable {
    private final ConfigurableApplicationContext context;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    private RunningAgent(ConfigurableApplicationContext context) {
        this.context = context;
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        this.base = "http://127.0.0.1:" + port;
    }

    /** Starts an agent with a fresh, private state directory. */
    public static RunningAgent start(String netns, String... extraProperties) {
        try {
            java.nio.file.Path stateDir = java.nio.file.Files.createTempDirectory("sgagent-state");
            List<String> properties = new ArrayList<>(List.of(extraProperties));
            properties.add(0, "sgagent.state-dir=" + stateDir);
            return startWith(netns, properties.toArray(String[]::new));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts an agent with exactly these properties (e.g. a state directory shared with an earlier agent). */
    public static RunningAgent startWith(String netns, String... extraProperties) {
        if (netns == null || netns.isBlank()) {
            throw new IllegalArgumentException("kernel tests must never program the initial namespace");
        }
        // Command-line arguments outrank every other property source, as they would for an operator.
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--sgagent.netfilter.netns=" + netns,
                "--spring.main.banner-mode=off"));
        for (String property : extraProperties) {
            args.add("--" + property);
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SgAgentApplication.class)
                .run(args.toArray(String[]::new));
        return new RunningAgent(context);
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public Response put(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Response putVm(String name, VmBody body) {
        return put("/api/v1/vms/" + name, body.json());
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Response delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        context.close();
    }

    /** Status and body of one HTTP answer. */
    public record Response(int status, String body) {
        public Response expect(int expected) {
            if (status != expected) {
                throw new AssertionError("expected HTTP " + expected + " but got " + status + ": " + body);
            }
            return this;
        }
    }
}
