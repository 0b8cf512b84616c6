package io.sgagent.bench;

import java.util.Locale;

/**
 * The benchmark's settings: the system property {@code bench.<name>}, else the environment variable
 * {@code SGAGENT_BENCH_<NAME>} (dots and dashes as underscores). The environment is how bench/run.sh passes settings
 * that the Maven profile does not forward as properties (exec:exec inherits the environment).
 */
final class Knobs {
    private Knobs() {
    }

    static String get(String name, String fallback) {
        String value = System.getProperty("bench." + name);
        if (value == null || value.isBlank()) {
            value = System.getenv("SGAGENT_BENCH_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    static int integer(String name, int fallback) {
        return Integer.parseInt(get(name, Integer.toString(fallback)));
    }

    static boolean flag(String name) {
        return Boolean.parseBoolean(get(name, "false")) || get(name, "").equals("1");
    }

    /** A reduced run (bench/run.sh --quick): skips the parts that do not bear on issue 11's figures. */
    static boolean quick() {
        return flag("quick");
    }
}
