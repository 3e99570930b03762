package dev.gantry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpProfileTest {
    @Test
    void sumsCompleteEventsPerOperatorAndIteration(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("t.json");
        Files.writeString(trace, """
                {"traceEvents": [
                  {"name": "aten::conv2d", "ph": "X", "dur": 3000},
                  {"name": "aten::conv2d", "ph": "X", "dur": 5000},
                  {"name": "aten::relu", "ph": "X", "dur": 1000},
                  {"name": "aten::relu", "ph": "i", "dur": 99000}
                ]}""");
        List<OpProfile.Op> ops = OpProfile.read(trace, 2);
        assertEquals(List.of(new OpProfile.Op("aten::conv2d", 1.0, 4.0), new OpProfile.Op("aten::relu", 0.5, 0.5)), ops);
    }
}
