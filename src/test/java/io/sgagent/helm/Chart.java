package io.sgagent.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Helm chart {@code helm/sg-agent}, rendered with the embedded Helm of helm-java (no helm binary, no cluster)
 * and parsed into plain maps. Used by the chart tests and by the container test (metric names the chart's alerts
 * and dashboard use must be served by the real agent).
 */
public final class Chart {
    public static final Path PATH = Path.of("helm", "sg-agent");
    public static final String RELEASE = "sga";
    public static final String NAMESPACE = "sg-system";
    /** helm template assumes Kubernetes 1.20 unless told; the chart needs 1.25 or later. */
    public static final String KUBE_VERSION = "1.31.0";
    private static final Pattern METRIC = Pattern.compile("\\bsgagent_[a-z0-9_]+");

    private final List<Map<String, Object>> documents;

    private Chart(List<Map<String, Object>> documents) {
        this.documents = documents;
    }

    public static Helm helm() {
        return new Helm(PATH);
    }

    /** {@code helm template} with the chart's defaults plus {@code values} (a values.yaml document; may be empty). */
    public static Chart render(String values) {
        try {
            TemplateCommand template = helm().template().withName(RELEASE).withNamespace(NAMESPACE)
                    .withKubeVersion(KUBE_VERSION);
            Path file = null;
            if (!values.isBlank()) {
                file = Files.createTempFile("sgagent-values", ".yaml");
                Files.writeString(file, values);
                template = template.withValuesFile(file);
            }
            try {
                return parse(template.call());
            } finally {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Chart parse(String manifests) {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(manifests)) {
            if (document != null) {
                documents.add((Map<String, Object>) document);
            }
        }
        return new Chart(documents);
    }

    public List<Map<String, Object>> documents() {
        return documents;
    }

    /** Manifests of one kind. */
    public List<Map<String, Object>> all(String kind) {
        return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    /** The only manifest of {@code kind}; fails if there is none or more than one. */
    public Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = all(kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + ", rendered " + found.size());
        }
        return found.get(0);
    }

    /** Every {@code sgagent_*} metric name the PrometheusRule and the Grafana dashboard of this rendering use. */
    public Set<String> referencedMetrics() {
        Set<String> names = new TreeSet<>();
        for (Map<String, Object> document : documents) {
            if ("PrometheusRule".equals(document.get("kind")) || "ConfigMap".equals(document.get("kind"))) {
                Matcher m = METRIC.matcher(Objects.toString(document));
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    /** Navigates maps and lists: {@code at(daemonSet, "spec", "template", "spec", "containers", 0)}. */
    @SuppressWarnings("unchecked")
    public static <T> T at(Object root, Object... path) {
        Object current = root;
        for (Object step : path) {
            if (current == null) {
                throw new AssertionError("no " + step + " in path " + List.of(path));
            }
            current = step instanceof Integer i ? ((List<Object>) current).get(i) : ((Map<String, Object>) current).get(step);
        }
        return (T) current;
    }
}
