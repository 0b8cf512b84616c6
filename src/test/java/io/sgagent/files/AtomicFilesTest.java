package io.sgagent.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch whose bytes are produced by its writer threads: all files or none change, and nothing is left over. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void eachFileIsProducedOnTheWriterThreadsAndTheWholeBatchLands() throws Exception {
        ExecutorService io = Executors.newFixedThreadPool(3, r -> new Thread(r, "writer"));
        Set<String> producers = ConcurrentHashMap.newKeySet();
        Map<Path, AtomicFiles.Content> files = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            String text = "file " + i;
            files.put(dir.resolve("f" + i), () -> {
                producers.add(Thread.currentThread().getName());
                return text.getBytes(StandardCharsets.UTF_8);
            });
        }
        try {
            AtomicFiles.writeProduced(files, io);
        } finally {
            io.shutdownNow();
        }

        assertThat(producers).containsExactly("writer");
        for (int i = 0; i < 50; i++) {
            assertThat(Files.readString(dir.resolve("f" + i))).isEqualTo("file " + i);
        }
        assertNoTempFiles();
    }

    @Test
    void aContentThatFailsFailsTheBatchBeforeAnyFileIsReplaced() throws Exception {
        Files.writeString(dir.resolve("a"), "old a");
        Files.writeString(dir.resolve("c"), "old c");
        Map<Path, AtomicFiles.Content> files = new LinkedHashMap<>();
        files.put(dir.resolve("a"), () -> "new a".getBytes(StandardCharsets.UTF_8));
        files.put(dir.resolve("b"), () -> {
            throw new IOException("cannot serialise b");
        });
        files.put(dir.resolve("c"), () -> "new c".getBytes(StandardCharsets.UTF_8));
        ExecutorService io = Executors.newFixedThreadPool(2);
        try {
            assertThatThrownBy(() -> AtomicFiles.writeProduced(files, io))
                    .isInstanceOf(IOException.class).hasMessageContaining("cannot serialise b");
        } finally {
            io.shutdownNow();
        }

        assertThat(Files.readString(dir.resolve("a"))).isEqualTo("old a");
        assertThat(Files.readString(dir.resolve("c"))).isEqualTo("old c");
        assertThat(dir.resolve("b")).doesNotExist();
        assertNoTempFiles();
    }

    private void assertNoTempFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(AtomicFiles::isLeftover)).isEmpty();
        }
    }
}
