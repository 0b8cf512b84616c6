package io.sgagent.cloudstack;

import static org.assertj.core.api.Assertions.assertThat;

import io.sgagent.cloudstack.CloudStackVm.CloudStackNic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileViewStoreTest {
    @TempDir
    Path dir;

    static CloudStackVm view(String name) {
        return new CloudStackVm(name, 7, "12", "10.1.1.7", "sig", 3, "I:tcp;22;22;0.0.0.0/0,NEXT;",
                List.of(new CloudStackNic("vnet7", "1e:00:b4:00:00:07", "10.1.1.7", null, List.of("10.1.1.70"),
                        "cloudbr0"), new CloudStackNic("vnet8", "1e:00:b4:00:00:08", null, "2001:db8::8", List.of(),
                        null)), 5);
    }

    @Test
    void roundTripsEveryFieldWithPrivateFiles() throws Exception {
        FileViewStore store = new FileViewStore(dir.resolve("cloudstack/host"));
        store.save(view("i-2-7-VM"));
        store.save(view("i-2-8-VM"));
        assertThat(store.load()).containsOnlyKeys("i-2-7-VM", "i-2-8-VM");
        assertThat(store.load().get("i-2-7-VM")).isEqualTo(view("i-2-7-VM"));
        Path file = dir.resolve("cloudstack/host/i-2-7-VM.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        store.delete("i-2-8-VM");
        store.delete("i-2-8-VM");
        assertThat(new FileViewStore(dir.resolve("cloudstack/host")).load()).containsOnlyKeys("i-2-7-VM");
    }

    @Test
    void leftoversAreRemovedAndCorruptFilesMovedAside() throws Exception {
        FileViewStore store = new FileViewStore(dir);
        store.save(view("i-2-7-VM"));
        Files.writeString(dir.resolve(".i-2-7-VM.json.0123.tmp"), "{half");
        Files.writeString(dir.resolve("i-2-9-VM.json"), "{not json");
        Files.writeString(dir.resolve("i-2-6-VM.json"), Files.readString(dir.resolve("i-2-7-VM.json")));
        assertThat(store.load()).containsOnlyKeys("i-2-7-VM");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .contains("i-2-7-VM.json")
                    .doesNotContain(".i-2-7-VM.json.0123.tmp", "i-2-9-VM.json", "i-2-6-VM.json")
                    .anyMatch(n -> n.startsWith("i-2-9-VM.json.corrupt-"))
                    .anyMatch(n -> n.startsWith("i-2-6-VM.json.corrupt-"));
        }
    }

    @Test
    void aMissingDirectoryIsNoViews() {
        assertThat(new FileViewStore(dir.resolve("absent")).load()).isEmpty();
    }
}
