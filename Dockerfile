# sg-agent container image (see README.md, "Deployment").
#
#   docker build -t sg-agent .                                       # compiles the jar inside the build (default)
#   ./mvnw -B -DskipTests package && docker build --build-arg JAR_SOURCE=prebuilt -t sg-agent .   # the host's jar
#
# Base images are build arguments. The defaults are public (Eclipse Temurin 17 on Ubuntu); the runtime stage adds
# the kernel tools with apt-get when the base lacks them. .ci/docker-setup builds without any registry instead:
# it makes sgagent-base:bookworm locally (debootstrap --variant=minbase + docker import: Debian 12 +
# openjdk-17-jre-headless, iptables (incl. ebtables-nft), ipset, conntrack, iproute2, procps) and passes it as
# BUILD_IMAGE and RUNTIME_IMAGE. Any RUNTIME_IMAGE needs a Java 17+ runtime and either those tools or apt-get;
# BUILD_IMAGE needs a JDK 17 for JAR_SOURCE=maven (or apt-get to install one).
#
# Where the jar comes from (JAR_SOURCE):
#   maven (default)     compiled in the "jar" stage with the Maven wrapper from mvnw, .mvn, pom.xml and src/main
#                       only, never a host's target/; needs Maven Central (or MAVEN_MIRROR, a repository URL)
#                       reachable from build containers.
#   prebuilt            JAR_DIR/sg-agent-*.jar from the build context (default target/, see .dockerignore). What
#                       .ci/docker-setup uses: its build containers cannot use Maven Central (outbound HTTPS goes
#                       through a TLS-intercepting proxy whose CA only the host trusts: PKIX path building failed).
# One switch, not two targets: the legacy builder (no BuildKit here) builds every stage before the target, so an
# unused Maven stage would still run and an unused "copy the jar" stage would still fail without a jar.
#
# JVM options come from config/jvm.options (one per line), the same file the Helm chart and the systemd unit use.

ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

# ---------------------------------------------------------------------------------------------------------------
# runtime: everything but the jar
FROM ${RUNTIME_IMAGE} AS runtime

LABEL org.opencontainers.image.title="sg-agent" \
      org.opencontainers.image.description="Per-hypervisor security-group agent: iptables/ip6tables/ipset/ebtables, conntrack bypass for allow-all VMs" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    SGAGENT_STATE_DIR=/var/lib/sg-agent

# The kernel tools the agent runs: installed when the base lacks one (public base images), then checked, so the
# image build fails rather than the first apply.
RUN set -e; \
    tools="java bash iptables-restore ip6tables-restore iptables-save ip6tables-save ebtables-nft-restore \
           ebtables-nft-save ipset conntrack ip sysctl"; \
    missing=""; \
    for tool in $tools; do command -v "$tool" >/dev/null || missing="$missing $tool"; done; \
    if [ -n "$missing" ]; then \
      command -v apt-get >/dev/null || { echo "base image lacks$missing and has no apt-get" >&2; exit 1; }; \
      apt-get update -qq; \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        iptables ipset conntrack iproute2 procps >/dev/null; \
      rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; \
    fi; \
    for tool in $tools; do \
      command -v "$tool" >/dev/null || { echo "base image lacks $tool" >&2; exit 1; }; \
    done; \
    mkdir -p /opt/sg-agent /var/lib/sg-agent

# Heap, GC and the rest: one option per line, read with java's @argfile syntax (also by the chart and systemd).
COPY config/jvm.options /opt/sg-agent/jvm.options

# Desired state survives restarts and upgrades. The agent binds it to the network namespace it programs
# (<state-dir>/host, keyed by the namespace's inode): reuse the volume with the same namespace (host network,
# or the same pod/sandbox namespace), otherwise the old state is moved aside, not adopted.
VOLUME ["/var/lib/sg-agent"]
WORKDIR /opt/sg-agent
EXPOSE 8080

# Runs as root: programming netfilter needs CAP_NET_ADMIN (ipset/conntrack also CAP_NET_RAW) and nothing else:
#   docker run --cap-drop ALL --cap-add NET_ADMIN --cap-add NET_RAW ...
USER root

# Liveness only: readiness is DOWN while the kernel refuses an apply, which is no reason to restart.
# The image has no curl; bash's /dev/tcp is enough for one HTTP/1.0 request. Move the ports with the environment
# variables SERVER_PORT / MANAGEMENT_SERVER_PORT (not --server.port) so that this check follows.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${MANAGEMENT_SERVER_PORT:-${SERVER_PORT:-8080}} && printf 'GET /actuator/health/liveness HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

# SIGTERM stops the agent gracefully; it never flushes its rules, they stay in force while it is down.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "@/opt/sg-agent/jvm.options", "-jar", "/opt/sg-agent/sg-agent.jar"]

# ---------------------------------------------------------------------------------------------------------------
# jar: /out/sg-agent.jar, prebuilt or compiled (JAR_SOURCE)
FROM ${BUILD_IMAGE} AS jar
ARG JAR_SOURCE=maven
ARG JAR_DIR=target
# JAR_SOURCE=maven only: a Maven repository to use instead of Maven Central (e.g. a Nexus/Artifactory proxy).
ARG MAVEN_MIRROR=
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
# Maven and every dependency in a layer that only changes with pom.xml (a no-op for prebuilt jars).
RUN set -e; \
    case "$JAR_SOURCE" in \
      prebuilt) ;; \
      maven) \
        if ! command -v javac >/dev/null; then \
          apt-get update -qq; \
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless >/dev/null; \
          rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; \
        fi; \
        if [ -n "$MAVEN_MIRROR" ]; then \
          mkdir -p /root/.m2; \
          printf '<settings><mirrors><mirror><id>build-mirror</id><mirrorOf>*</mirrorOf><url>%s</url></mirror></mirrors></settings>\n' \
            "$MAVEN_MIRROR" > /root/.m2/settings.xml; \
        fi; \
        MVNW_REPOURL="$MAVEN_MIRROR" ./mvnw -B -q -ntp dependency:go-offline ;; \
      *) echo "JAR_SOURCE must be prebuilt or maven, not '$JAR_SOURCE'" >&2; exit 1 ;; \
    esac
COPY src/main/ src/main/
# pom.xml makes this COPY valid when JAR_DIR holds no jar (JAR_SOURCE=maven); only the jar is used.
COPY pom.xml ${JAR_DIR}/sg-agent-*.jar /src/prebuilt/
RUN set -e; \
    mkdir -p /out; \
    if [ "$JAR_SOURCE" = maven ]; then \
      MVNW_REPOURL="$MAVEN_MIRROR" ./mvnw -B -q -ntp -Dmaven.test.skip=true package; \
      cp target/sg-agent-*.jar /out/sg-agent.jar; \
    else \
      set -- /src/prebuilt/sg-agent-*.jar; \
      if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then \
        echo "expected exactly one $JAR_DIR/sg-agent-*.jar in the build context, found: $*" >&2; \
        echo "run ./mvnw -B -DskipTests package first (or pass --build-arg JAR_DIR=..., or JAR_SOURCE=maven)" >&2; \
        exit 1; \
      fi; \
      cp "$1" /out/sg-agent.jar; \
    fi

# ---------------------------------------------------------------------------------------------------------------
# the image (default target)
FROM runtime
COPY --from=jar /out/sg-agent.jar /opt/sg-agent/sg-agent.jar
