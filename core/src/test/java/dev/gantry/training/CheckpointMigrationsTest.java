package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.checkpoint.CheckpointException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointMigrationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theCurrentVersionPassesUnchangedAndUnknownOnesAreNamed() throws Exception {
        Map<String, byte[]> files = Map.of("state.json", new byte[0]);
        assertSame(files, CheckpointMigrations.toCurrent(files, JSON.readTree("{\"version\": 1}"), "ckpt"));
        CheckpointException future = assertThrows(CheckpointException.class,
                () -> CheckpointMigrations.toCurrent(files, JSON.readTree("{\"version\": 2}"), "ckpt"));
        assertTrue(future.getMessage().contains("version 2") && future.getMessage().contains("ckpt/state.json"),
                future.getMessage());
        CheckpointException none = assertThrows(CheckpointException.class,
                () -> CheckpointMigrations.toCurrent(files, JSON.readTree("{}"), "ckpt"));
        assertTrue(none.getMessage().contains("(none)"), none.getMessage());
    }
}
