package io.sgagent.container;

import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * Gate for tests that run the agent image: a Docker engine must answer and the image must exist locally (nothing
 * can be pulled here; {@code .ci/docker-setup} builds it). If not, each test is <em>aborted</em> (reported as
 * skipped) with the reason, unless {@code SGAGENT_REQUIRE_DOCKER=1} (CI), where it fails instead.
 */
final class DockerSupport {

    static final String REQUIRE_ENV = "SGAGENT_REQUIRE_DOCKER";
    static final String IMAGE_ENV = "SGAGENT_TEST_IMAGE";
    static final String DEFAULT_IMAGE = "sgagent:test";

    private DockerSupport() {
    }

    /** The image under test: {@code SGAGENT_TEST_IMAGE}, default {@code sgagent:test}. */
    static String image() {
        String image = System.getenv(IMAGE_ENV);
        return image == null || image.isBlank() ? DEFAULT_IMAGE : image.strip();
    }

    /**
     * Why container tests cannot run here, or {@code null} if they can. With {@code SGAGENT_REQUIRE_DOCKER=1} a
     * reason is an error instead (thrown), so CI can never skip them silently.
     */
    static String skipReason() {
        String problem = problem();
        if (problem == null) {
            return null;
        }
        String hint = " (run .ci/docker-setup to install and start Docker and build " + image() + ")";
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            throw new IllegalStateException("container tests required (" + REQUIRE_ENV + "=1) but " + problem + hint);
        }
        String reason = "container tests skipped: " + problem + hint + "; set " + REQUIRE_ENV
                + "=1 to turn this into a failure";
        System.err.println("WARNING: " + reason);
        return reason;
    }

    /** Aborts the current test (reported as skipped) with {@code reason}, unless it is {@code null}. */
    static void assumeRunnable(String reason) {
        Assumptions.assumeTrue(reason == null, reason);
    }

    private static String problem() {
        DockerClientFactory docker = DockerClientFactory.instance();
        if (!docker.isDockerAvailable()) {
            return "no Docker engine answers";
        }
        try {
            docker.client().inspectImageCmd(image()).exec();
            return null;
        } catch (NotFoundException e) {
            return "image " + image() + " does not exist locally (nothing can be pulled)";
        }
    }
}
