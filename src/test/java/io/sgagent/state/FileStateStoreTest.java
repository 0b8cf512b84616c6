package io.sgagent.state;

import static io.sgagent.fixtures.VmFixtures.ANY4;
import static io.sgagent.fixtures.VmFixtures.ANY6;
import static io.sgagent.fixtures.VmFixtures.aVm;
import static io.sgagent.fixtures.VmFixtures.all;
import static io.sgagent.fixtures.VmFixtures.icmp;
import static io.sgagent.fixtures.VmFixtures.proto;
import static io.sgagent.fixtures.VmFixtures.tcp;
import static io.sgagent.fixtures.VmFixtures.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.model.Vm;
import io.sgagent.state.DesiredStateStore.StateStoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class FileStateStoreTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    @TempDir
    Path stateDir;

    private FileStateStore store() {
        return new FileStateStore(stateDir, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private Path vms() {
        return stateDir.resolve("vms");
    }

    /** Every VM shape the model allows, so that a format gap shows up as an inequality. */
    static Vm rich() {
        return aVm("web-1.a_b").vmId(7).seq(Long.MAX_VALUE)
                .nic("vnet1", "02:00:00:AB:cd:01", List.of("10.1.1.7", "10.1.1.70"),
                        List.of("2001:db8::7", "2001:db8:0:0:0:0:0:70"))
                .nic("vnet2", "02:00:00:00:00:02", List.of(), List.of("fd00::2"))
                .ingress(tcp(22).from(ANY4, ANY6),
                        tcp().from("10.0.0.0/8"),
                        tcp(8000, 8080).from("2001:db8::/32", "192.168.0.0/16"),
                        udp(1000, 2000).from("10.0.0.0/8", "2001:db8::/32"),
                        udp().from("198.51.100.7"),
                        icmp(8).from(ANY4),
                        icmp(3, 4).from("10.0.0.0/8", "fd00::/8"),
                        icmp().from(ANY6),
                        proto(47).from("203.0.113.0/24"),
                        proto(6).from("203.0.113.1"),
                        all().from(ANY4, ANY6))
                .egress(udp(53).to("192.0.2.53", "2001:db8::53"),
                        all().to(ANY6))
                .build();
    }

    /** A non-empty directory where the file should go: a rename over it fails, even for root. */
    private void blockWithDirectory(String fileName) throws IOException {
        Files.createDirectories(vms().resolve(fileName).resolve("inside"));
    }

    private void unblock(String fileName) throws IOException {
        Files.delete(vms().resolve(fileName).resolve("inside"));
        Files.delete(vms().resolve(fileName));
    }

    private void assertNoTempFiles() throws IOException {
        try (Stream<Path> files = Files.list(vms())) {
            assertThat(files).noneMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        }
    }

    static Vm plain(String name, long seq) {
        return aVm(name).seq(seq).nic("tap-" + (seq % 1000), "02:00:00:00:00:99", List.of("10.9.0.1"), List.of())
                .build();
    }

    @Test
    void richVmsRoundTripThroughARestart() throws Exception {
        Vm rich = rich();
        Vm bare = aVm("bare").seq(0)
                .nic("vnet9", "02:00:00:00:00:09", List.of("10.1.1.9"), List.of())
                .build();
        FileStateStore writer = store();
        writer.save(rich);
        writer.save(bare);

        Map<String, Vm> loaded = new FileStateStore(stateDir).load();

        assertThat(loaded).containsOnlyKeys("web-1.a_b", "bare");
        assertThat(loaded.get("web-1.a_b")).isEqualTo(rich);
        assertThat(loaded.get("web-1.a_b").seq()).isEqualTo(Long.MAX_VALUE);
        assertThat(loaded.get("web-1.a_b").vmId()).isEqualTo(7L);
        assertThat(loaded.get("bare")).isEqualTo(bare);
        assertThat(loaded.get("bare").vmId()).isNull();
        assertThat(loaded.get("bare").seq()).isZero();
    }

    @Test
    void oneFilePerVmWithAFormatVersionAndPrivatePermissions() throws Exception {
        store().save(rich());

        Path file = vms().resolve("web-1.a_b.json");
        try (Stream<Path> files = Files.list(vms())) {
            assertThat(files).containsExactly(file);
        }
        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(file));
        assertThat(json.get("format").asInt()).isEqualTo(1);
        assertThat(json.get("name").asString()).isEqualTo("web-1.a_b");
        assertThat(json.get("vmId").asLong()).isEqualTo(7);
        assertThat(json.get("seq").asLong()).isEqualTo(Long.MAX_VALUE);
        JsonNode nic = json.get("nics").get(0);
        assertThat(nic.get("mac").asString()).isEqualTo("02:00:00:ab:cd:01");
        assertThat(nic.get("ipv6").get(1).asString()).isEqualTo("2001:db8::70");
        JsonNode ssh = json.get("ingress").get(0);
        assertThat(ssh.get("protocol").asString()).isEqualTo("tcp");
        assertThat(ssh.get("portStart").asInt()).isEqualTo(22);
        assertThat(ssh.get("portEnd").asInt()).isEqualTo(22);
        assertThat(ssh.has("icmpType")).isFalse();
        assertThat(ssh.get("cidrs").get(1).asString()).isEqualTo("::/0");
        JsonNode anyIcmp = json.get("ingress").get(7);
        assertThat(anyIcmp.get("icmpType").asInt()).isEqualTo(-1);
        assertThat(anyIcmp.get("icmpCode").asInt()).isEqualTo(-1);
        assertThat(json.get("ingress").get(8).get("protocol").asString()).isEqualTo("47");
        assertThat(json.get("ingress").get(9).get("protocol").asString()).isEqualTo("tcp");

        if (Files.getFileStore(stateDir).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vms()))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
    }

    @Test
    void missingDirectoryIsCreatedEmpty() {
        Path nested = stateDir.resolve("a/b");

        Map<String, Vm> loaded = new FileStateStore(nested).load();

        assertThat(loaded).isEmpty();
        assertThat(nested.resolve("vms")).isDirectory();
    }

    @Test
    void overwriteKeepsOnlyTheNewestVersion() throws Exception {
        FileStateStore store = store();
        Vm first = plain("db", 1);
        Vm second = aVm("db").seq(2).nic("vnet4", "02:00:00:00:00:04", List.of("10.1.1.4"), List.of())
                .ingress(tcp(5432).from("10.0.0.0/8")).build();
        store.save(first);
        store.save(second);

        assertThat(store().load()).containsExactly(Map.entry("db", second));
        try (Stream<Path> files = Files.list(vms())) {
            assertThat(files).containsExactly(vms().resolve("db.json"));
        }
    }

    @Test
    void deleteRemovesTheFileAndIsIdempotent() throws Exception {
        FileStateStore store = store();
        store.save(plain("a", 1));
        store.save(plain("b", 2));

        store.delete("a");
        store.delete("a");
        store.delete("never-stored");

        assertThat(store().load()).containsOnlyKeys("b");
        assertThat(vms().resolve("a.json")).doesNotExist();
    }

    @Test
    void unreadableFilesAreMovedAsideAndTheOthersStillLoad() throws Exception {
        FileStateStore store = store();
        Vm a = plain("a", 1);
        Vm b = rich();
        store.save(a);
        store.save(b);
        String valid = Files.readString(vms().resolve("a.json"));
        Map<String, String> bad = new HashMap<>();
        bad.put("truncated.json", valid.substring(0, valid.length() / 2));
        bad.put("empty.json", "");
        bad.put("bad-mac.json", valid.replace("\"a\"", "\"bad-mac\"").replace("02:00:00:00:00:99", "01:00:00:00:00:99"));
        bad.put("other-name.json", valid);
        bad.put("future.json", valid.replace("\"a\"", "\"future\"").replace("\"format\" : 1", "\"format\" : 2"));
        bad.put("unknown-field.json", valid.replace("\"a\"", "\"unknown-field\"")
                .replace("\"format\" : 1,", "\"format\" : 1, \"extra\": true,"));
        bad.put("seq-as-text.json", valid.replace("\"a\"", "\"seq-as-text\"").replace("\"seq\" : 1", "\"seq\" : \"1\""));
        bad.put("overlap.json", valid.replace("\"a\"", "\"overlap\"").replace("\"10.9.0.1\" ]", "\"10.9.0.1\", \"10.9.0.1\" ]"));
        bad.put(".json", valid);
        for (Map.Entry<String, String> file : bad.entrySet()) {
            Files.writeString(vms().resolve(file.getKey()), file.getValue());
        }
        Files.createDirectory(vms().resolve("directory.json"));

        Map<String, Vm> loaded = store().load();

        assertThat(loaded).containsOnlyKeys("a", "web-1.a_b");
        assertThat(loaded.get("a")).isEqualTo(a);
        assertThat(loaded.get("web-1.a_b")).isEqualTo(b);
        for (Map.Entry<String, String> file : bad.entrySet()) {
            assertThat(vms().resolve(file.getKey())).doesNotExist();
            Path aside = vms().resolve(file.getKey() + ".corrupt-" + NOW.toEpochMilli());
            assertThat(aside).hasContent(file.getValue());
        }
        assertThat(vms().resolve("directory.json.corrupt-" + NOW.toEpochMilli())).isDirectory();
        // Nothing is lost to a second load: the copies stay, nothing is reported twice.
        assertThat(store().load()).containsOnlyKeys("a", "web-1.a_b");
        try (Stream<Path> files = Files.list(vms())) {
            assertThat(files).hasSize(2 + bad.size() + 1);
        }
    }

    @Test
    void aSecondCorruptCopyDoesNotOverwriteTheFirst() throws Exception {
        Files.createDirectories(vms());
        Files.writeString(vms().resolve("x.json"), "first");
        store().load();
        Files.writeString(vms().resolve("x.json"), "second");

        store().load();

        long millis = NOW.toEpochMilli();
        assertThat(vms().resolve("x.json.corrupt-" + millis)).hasContent("first");
        assertThat(vms().resolve("x.json.corrupt-" + millis + "-1")).hasContent("second");
    }

    @Test
    void leftoverTempFilesOfAnInterruptedSaveAreRemoved() throws Exception {
        FileStateStore store = store();
        Vm v1 = plain("a", 1);
        store.save(v1);
        String v2 = Files.readString(vms().resolve("a.json")).replace("\"seq\" : 1", "\"seq\" : 2");
        Path temp = vms().resolve(".a.json.0123456789abcdef.tmp");
        Files.writeString(temp, v2.substring(0, v2.length() / 2));
        Path orphan = vms().resolve(".b.json.fedcba9876543210.tmp");
        Files.writeString(orphan, v2);

        Map<String, Vm> loaded = store().load();

        assertThat(loaded).containsExactly(Map.entry("a", v1));
        assertThat(temp).doesNotExist();
        assertThat(orphan).doesNotExist();
    }

    @Test
    void aDirectoryThatCannotBeWrittenFailsTheSaveAndKeepsThePreviousContent() throws Exception {
        FileStateStore store = store();
        Vm v1 = plain("a", 1);
        store.save(v1);
        store.save(plain("b", 2));
        // Tests run as root, where permission bits do not stop writes: replace the VM directory with a file.
        Path saved = stateDir.resolve("vms.saved");
        Files.move(vms(), saved);
        Files.writeString(vms(), "not a directory");

        assertThatThrownBy(() -> store.save(plain("a", 3)))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining(vms().resolve("a.json").toString())
                .hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(() -> store.delete("b"))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining(vms().resolve("b.json").toString());
        assertThatThrownBy(() -> store.load())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(vms().toString());

        Files.delete(vms());
        Files.move(saved, vms());
        assertThat(store().load()).containsOnlyKeys("a", "b").containsEntry("a", v1);
    }

    @Test
    void aStateDirectoryUnderAFileFailsTheSave() throws Exception {
        Path file = stateDir.resolve("file");
        Files.writeString(file, "x");
        FileStateStore store = new FileStateStore(file.resolve("state"));

        assertThatThrownBy(() -> store.save(plain("a", 1)))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining(file.resolve("state/vms/a.json").toString());
    }

    @Test
    void aFailedRenameLeavesNoTempFileAndTheOtherVmsIntact() throws Exception {
        FileStateStore store = store();
        Vm a = plain("a", 1);
        store.save(a);
        blockWithDirectory("b.json");

        assertThatThrownBy(() -> store.save(plain("b", 2)))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining(vms().resolve("b.json").toString());

        assertNoTempFiles();
        unblock("b.json");
        assertThat(store().load()).containsExactly(Map.entry("a", a));
    }

    @Test
    void aBatchSavesAndDeletesTogetherAndLeavesNoTempFiles() throws Exception {
        FileStateStore store = store();
        store.save(plain("old", 1));
        store.save(plain("kept", 2));
        Vm kept = aVm("kept").seq(3).nic("vnet3", "02:00:00:00:00:03", List.of("10.1.1.3"), List.of()).build();

        store.saveAll(List.of(plain("new", 4), kept), List.of("old", "never-stored"));

        assertThat(store().load()).containsExactly(Map.entry("kept", kept), Map.entry("new", plain("new", 4)));
        try (Stream<Path> files = Files.list(vms())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("kept.json",
                    "new.json");
        }
    }

    @Test
    void aBatchThatCannotRenameOneFileFailsAndLeavesEveryFileOldOrNew() throws Exception {
        FileStateStore store = store();
        Vm a = plain("a", 1);
        store.save(a);
        blockWithDirectory("b.json");

        assertThatThrownBy(() -> store.saveAll(List.of(plain("a", 2), plain("b", 3), plain("c", 4)), List.of()))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining("b.json");

        assertNoTempFiles();
        unblock("b.json");
        // Renames run in order: a is new, b failed, c was never renamed (its temp file is gone).
        assertThat(store().load()).containsExactly(Map.entry("a", plain("a", 2)));
    }

    @Test
    void aBatchWrittenOnSeveralThreadsHoldsEveryVmAndStopsAtTheFirstFailedRename() throws Exception {
        ExecutorService io = Executors.newFixedThreadPool(4);
        try {
            FileStateStore store = store();
            List<Vm> vms = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                vms.add(plain("vm" + i, i));
            }
            store.saveAll(vms, List.of(), io);
            assertThat(store().load()).hasSize(200).containsEntry("vm7", plain("vm7", 7));

            // vm3's file replaced by a non-empty directory: every temporary file is written (on the pool), then
            // the renames run in order and stop at vm3.
            Files.delete(vms().resolve("vm3.json"));
            blockWithDirectory("vm3.json");
            List<Vm> next = vms.stream().map(vm -> plain(vm.name(), vm.seq() + 1000)).toList();
            assertThatThrownBy(() -> store.saveAll(next, List.of(), io))
                    .isInstanceOf(StateStoreException.class).hasMessageContaining("vm3.json");
            assertNoTempFiles();
            unblock("vm3.json");
            Map<String, Vm> loaded = store().load();
            assertThat(loaded).hasSize(199).containsEntry("vm2", plain("vm2", 1002))
                    .containsEntry("vm4", plain("vm4", 4)).containsEntry("vm199", plain("vm199", 199));
        } finally {
            io.shutdownNow();
        }
    }

    @Test
    void onlyValidVmNamesBecomePaths() {
        FileStateStore store = store();
        for (String name : new String[] {".", "..", "", "a/b", "../a", "/etc/passwd", ".hidden", "a\u0000b",
                "x".repeat(65), "a b"}) {
            assertThatThrownBy(() -> store.fileOf(name)).as(name).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.delete(name)).as(name).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.fileOf(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.fileOf("x".repeat(64)).getParent()).isEqualTo(vms().toAbsolutePath());
        assertThat(store.fileOf("a..b")).isEqualTo(vms().toAbsolutePath().resolve("a..b.json"));
    }

    /**
     * 1000 VMs saved one by one and loaded back unchanged. The time it took is printed, not asserted: speed is shown
     * by the benchmark (bench/run.sh), a timed unit test only flakes on a loaded machine.
     */
    @Test
    void aThousandVmsRoundTrip() throws Exception {
        Path shm = Path.of("/dev/shm");
        boolean memory = Files.isDirectory(shm) && Files.isWritable(shm);
        Path dir = memory ? Files.createTempDirectory(shm, "sg-agent-state-test") : stateDir;
        try {
            FileStateStore store = new FileStateStore(dir);
            Map<String, Vm> saved = new HashMap<>();
            for (int i = 0; i < 1000; i++) {
                Vm vm = aVm("vm-" + i).vmId(i).seq(i)
                        .nic("vnet" + i, String.format("02:00:00:00:%02x:%02x", i / 256, i % 256),
                                List.of("10.%d.%d.1".formatted(i / 256, i % 256)),
                                List.of("fd00::%x".formatted(i + 1)))
                        .ingress(tcp(22).from(ANY4, ANY6), icmp(8).from("10.0.0.0/8"))
                        .egress(all().to(ANY4))
                        .build();
                saved.put(vm.name(), vm);
            }
            long start = System.nanoTime();
            for (Vm vm : saved.values()) {
                store.save(vm);
            }
            long saving = System.nanoTime() - start;
            Map<String, Vm> loaded = new FileStateStore(dir).load();
            long total = System.nanoTime() - start;

            assertThat(loaded).isEqualTo(saved);
            System.out.printf("1000 VMs on %s: save %d ms, load %d ms%n", memory ? "tmpfs" : dir,
                    saving / 1_000_000, (total - saving) / 1_000_000);
        } finally {
            if (memory) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }
}
