package io.sgagent.api.pbt;

import java.util.SplittableRandom;

/**
 * Runs a property over generated samples, reproducibly: the seed is printed with every failure and can be fixed
 * with {@code -Dsgagent.pbt.seed=<seed>} (the number of tries with {@code -Dsgagent.pbt.tries=<n>}). Without
 * a fixed seed each run explores new samples; a failure names the sample, the seed and the try.
 */
public final class PropertyCheck {

    /** A property: throws (an AssertionError, typically) when the sample violates it. */
    @FunctionalInterface
    public interface Property<T> {
        void check(T sample) throws Exception;
    }

    private PropertyCheck() {
    }

    /** The seed of this run: {@code sgagent.pbt.seed} if set, else a fresh random one. */
    public static long seed() {
        Long fixed = Long.getLong("sgagent.pbt.seed");
        return fixed != null ? fixed : new SplittableRandom().nextLong();
    }

    public static <T> void forAll(String name, int tries, Gen<T> gen, Property<T> property) {
        forAll(name, tries, seed(), gen, property);
    }

    public static <T> void forAll(String name, int tries, long seed, Gen<T> gen, Property<T> property) {
        int n = Integer.getInteger("sgagent.pbt.tries", tries);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            T sample = gen.next(random);
            try {
                property.check(sample);
            } catch (Throwable failure) {
                throw new AssertionError("property '" + name + "' failed at try " + (i + 1) + " of " + n
                        + " (reproduce with -Dsgagent.pbt.seed=" + seed + "); sample: " + describe(sample)
                        + "\n  -> " + failure, failure);
            }
        }
    }

    /** The sample as text, control characters escaped and cut to a readable length. */
    public static String describe(Object sample) {
        String text = String.valueOf(sample);
        StringBuilder sb = new StringBuilder();
        text.codePoints().limit(2000).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        if (text.length() > 2000) {
            sb.append("... (").append(text.length()).append(" chars)");
        }
        return sb.toString();
    }
}
