package dev.gantry.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.storage.LocalObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Manifests that lie about names and numbers: a corrupt checkpoint, never a store or path error. */
class ManifestTest {
    @TempDir
    Path dir;

    private String committed() throws Exception {
        CheckpointStore.singleWriter(new LocalObjectStore(dir)).commit("", 100, "ab12",
                Map.of("state.json", "{}".getBytes(StandardCharsets.UTF_8)));
        return Files.readString(dir.resolve(Manifest.FILE_NAME));
    }

    /** Found by ManifestFuzzTest: "." was a StorageException ("outside the store"), NUL an InvalidPathException. */
    @ParameterizedTest
    @ValueSource(strings = {".", "a\\u0000b", " state.json", "state.json\\n", "-"})
    void aStrangeObjectNameIsACorruptCheckpoint(String name) throws Exception {
        Files.writeString(dir.resolve(Manifest.FILE_NAME), committed().replace("\"state.json\"", "\"" + name + "\""));
        CheckpointStore store = CheckpointStore.singleWriter(new LocalObjectStore(dir));
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.read(""));
        assertTrue(e.getMessage().contains("bad file or object name"), e.getMessage());
        assertFalse(store.isCommittedAndSound("", CheckpointStore.Expected.ANY), "quarantined, so it is computed again");
    }

    /** Found by ManifestFuzzTest: a name that is a directory of a local store was a StorageException ("Is a directory"). */
    @Test
    void anObjectThatIsADirectoryIsMissing() throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve(Manifest.FILE_NAME), committed().replace("\"state.json\"", "\"sub\""));
        CheckpointStore store = CheckpointStore.singleWriter(new LocalObjectStore(dir));
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.read(""));
        assertTrue(e.getMessage().contains("listed in the manifest but missing"), e.getMessage());
    }

    /** A version that is not a whole number is damage (quarantined), not a newer writer's format (left alone). */
    @Test
    void aDamagedVersionIsCorruptionNotANewerFormat() throws Exception {
        String json = committed();
        for (String version : new String[] {"\"x\"", "null", "1.5", "0", "-2", "\"2\""}) {
            byte[] bytes = json.replace("\"version\" : " + Manifest.VERSION, "\"version\" : " + version).getBytes(StandardCharsets.UTF_8);
            CheckpointException e = assertThrows(CheckpointException.class, () -> Manifest.parse(bytes, "at"));
            assertFalse(e instanceof UnsupportedFormatException, version + ": " + e.getMessage());
        }
        byte[] newer = json.replace("\"version\" : " + Manifest.VERSION, "\"version\" : 3").getBytes(StandardCharsets.UTF_8);
        assertThrows(UnsupportedFormatException.class, () -> Manifest.parse(newer, "at"));
    }

    /** Jackson's asLong read 2^64 + 100 as step 100 and "12" as 12. */
    @Test
    void stepsAndSizesAreWholeNumbersOrTheManifestIsRefused() throws Exception {
        String json = committed();
        assertEquals(100, Manifest.parse(json.getBytes(StandardCharsets.UTF_8), "at").step());
        for (String lie : new String[] {"\"step\" : 18446744073709551716", "\"step\" : \"100\"", "\"step\" : 100.5",
                "\"step\" : -1"}) {
            byte[] bytes = json.replace("\"step\" : 100", lie).getBytes(StandardCharsets.UTF_8);
            CheckpointException e = assertThrows(CheckpointException.class, () -> Manifest.parse(bytes, "at"), lie);
            assertTrue(e.getMessage().contains("step must be a whole number"), e.getMessage());
        }
        byte[] size = json.replace("\"size\" : 2", "\"size\" : \"2\"").getBytes(StandardCharsets.UTF_8);
        assertThrows(CheckpointException.class, () -> Manifest.parse(size, "at"));
        byte[] filesObject = json.replace("\"files\" : [", "\"files\" : {\"a\": ").replace("} ]", "} }")
                .getBytes(StandardCharsets.UTF_8);
        assertThrows(CheckpointException.class, () -> Manifest.parse(filesObject, "at"));
    }
}
