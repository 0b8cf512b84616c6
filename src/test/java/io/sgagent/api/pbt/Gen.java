package io.sgagent.api.pbt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A value generator for property-based tests: a function of a seeded random source, so every run is
 * reproducible from its seed (see {@link PropertyCheck}). Deliberately tiny: the inputs that matter here are
 * hand-picked hostile values mixed with random ones, not clever shrinking.
 */
@FunctionalInterface
public interface Gen<T> {

    T next(SplittableRandom random);

    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return r -> f.apply(next(r));
    }

    default <R> Gen<R> flatMap(Function<? super T, Gen<R>> f) {
        return r -> f.apply(next(r)).next(r);
    }

    /** Retries until {@code keep} holds (at most 1000 times, then fails: the filter is too strict). */
    default Gen<T> filter(Predicate<? super T> keep) {
        return r -> {
            for (int i = 0; i < 1000; i++) {
                T value = next(r);
                if (keep.test(value)) {
                    return value;
                }
            }
            throw new IllegalStateException("filter rejected 1000 values in a row");
        };
    }

    static <T> Gen<T> constant(T value) {
        return r -> value;
    }

    @SafeVarargs
    static <T> Gen<T> elements(T... values) {
        List<T> list = Arrays.asList(values);
        return r -> list.get(r.nextInt(list.size()));
    }

    static <T> Gen<T> elements(List<T> values) {
        List<T> list = List.copyOf(values);
        return r -> list.get(r.nextInt(list.size()));
    }

    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        return r -> gens[r.nextInt(gens.length)].next(r);
    }

    /** Pairs of (weight, generator): {@code frequency(9, valid, 1, hostile)}. */
    @SuppressWarnings("unchecked")
    static <T> Gen<T> frequency(Object... weightsAndGens) {
        int n = weightsAndGens.length / 2;
        int[] weights = new int[n];
        Gen<? extends T>[] gens = new Gen[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = (Integer) weightsAndGens[2 * i];
            gens[i] = (Gen<? extends T>) Objects.requireNonNull(weightsAndGens[2 * i + 1]);
            total += weights[i];
        }
        int sum = total;
        return r -> {
            int pick = r.nextInt(sum);
            for (int i = 0; i < n; i++) {
                pick -= weights[i];
                if (pick < 0) {
                    return gens[i].next(r);
                }
            }
            throw new IllegalStateException("unreachable");
        };
    }

    /** Inclusive range. */
    static Gen<Integer> ints(int min, int max) {
        return r -> (int) (min + r.nextLong((long) max - min + 1));
    }

    static Gen<Long> longs(long min, long max) {
        return r -> min + (long) (r.nextDouble() * ((double) max - min));
    }

    static Gen<Boolean> booleans() {
        return SplittableRandom::nextBoolean;
    }

    static <T> Gen<List<T>> lists(Gen<T> element, int minSize, int maxSize) {
        return r -> {
            int size = minSize + r.nextInt(maxSize - minSize + 1);
            List<T> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(element.next(r));
            }
            return list;
        };
    }

    /** Strings of {@code alphabet} characters (code points), length in [min, max]. */
    static Gen<String> strings(String alphabet, int min, int max) {
        int[] cps = alphabet.codePoints().toArray();
        return r -> {
            int length = min + r.nextInt(max - min + 1);
            StringBuilder sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                sb.appendCodePoint(cps[r.nextInt(cps.length)]);
            }
            return sb.toString();
        };
    }

    /** Any code points at all (controls, surrogate-free astral planes, look-alikes), length in [min, max]. */
    static Gen<String> anyUnicode(int min, int max) {
        return r -> {
            int length = min + r.nextInt(max - min + 1);
            StringBuilder sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                int cp;
                switch (r.nextInt(4)) {
                    case 0 -> cp = r.nextInt(0x20);             // control characters, NUL, newline
                    case 1 -> cp = 0x20 + r.nextInt(0x5f);      // printable ASCII
                    case 2 -> cp = 0xa0 + r.nextInt(0x2000);    // Latin, Cyrillic, Greek look-alikes...
                    default -> {
                        cp = r.nextInt(0x10ffff);
                        if (cp >= 0xd800 && cp <= 0xdfff) {
                            cp = 0xfffd;
                        }
                    }
                }
                sb.appendCodePoint(cp);
            }
            return sb.toString();
        };
    }
}
