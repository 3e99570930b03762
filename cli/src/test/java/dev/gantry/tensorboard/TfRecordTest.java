package dev.gantry.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.proto.tensorboard.Event;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfRecordTest {
    @TempDir
    Path dir;

    @Test
    void masksTheCrc32cAsTensorFlowDoes() {
        // CRC-32C of "123456789" is the standard check value 0xE3069283; rotated right by 15 plus
        // 0xa282ead8 that is 0xc78ab0e5, which tensorboard's own masked_crc32c also gives.
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xc78ab0e5, TfRecord.maskedCrc32c(check, 0, check.length));
    }

    @Test
    void framesLengthAndDataEachWithTheirCrc() throws Exception {
        byte[] data = new byte[24];
        Arrays.fill(data, (byte) 7);
        ByteBuffer frame = ByteBuffer.wrap(TfRecord.frame(data)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(8 + 4 + 24 + 4, frame.capacity());
        assertEquals(24, frame.getLong());
        assertEquals(0x224b7fa3, frame.getInt(), "masked CRC of the length 24 as uint64 LE (tensorboard's masked_crc32c)");
        byte[] back = new byte[24];
        frame.get(back);
        assertArrayEquals(data, back);
        assertEquals(TfRecord.maskedCrc32c(data, 0, 24), frame.getInt());
        assertArrayEquals(data, TfRecord.read(new ByteArrayInputStream(frame.array())).orElseThrow());
    }

    @Test
    void aDamagedRecordIsRefused() {
        byte[] frame = TfRecord.frame(new byte[] {1, 2, 3});
        frame[13] ^= 1;
        assertThrows(TfRecord.TruncatedRecordException.class, () -> TfRecord.read(new ByteArrayInputStream(frame)));
        byte[] cut = Arrays.copyOf(TfRecord.frame(new byte[] {1, 2, 3}), 14);
        assertThrows(TfRecord.TruncatedRecordException.class, () -> TfRecord.read(new ByteArrayInputStream(cut)));
        assertEquals(Optional.empty(), assertDoesNotThrow(() -> TfRecord.read(new ByteArrayInputStream(new byte[0]))),
                "a clean end");
    }

    @Test
    void eventsRoundTripThroughAFileAndAReaderStopsAtACutTail() throws Exception {
        Path file;
        try (EventFileWriter w = EventFileWriter.create(dir.resolve("run"), 1_700_000_000.5)) {
            w.scalar("loss/G", 10, 1_700_000_001.0, 1.25f);
            w.scalar("loss/D", 10, 1_700_000_001.0, -0.5f);
            w.image("samples", 20, 1_700_000_002.0, new byte[] {(byte) 0x89, 'P', 'N', 'G'}, 4, 3);
            file = w.file();
        }
        assertTrue(file.getFileName().toString().startsWith("events.out.tfevents.1700000000."), file.toString());
        List<Event> events = EventFileReader.read(file);
        assertEquals(4, events.size());
        assertEquals(EventFileWriter.FILE_VERSION, events.get(0).getFileVersion());
        assertEquals(1_700_000_000.5, events.get(0).getWallTime());
        assertEquals(10, events.get(1).getStep());
        assertEquals("loss/G", events.get(1).getSummary().getValue(0).getTag());
        assertEquals(1.25f, events.get(1).getSummary().getValue(0).getSimpleValue());
        assertEquals(-0.5f, events.get(2).getSummary().getValue(0).getSimpleValue());
        var image = events.get(3).getSummary().getValue(0).getImage();
        assertEquals(4, image.getWidth());
        assertEquals(3, image.getHeight());
        assertEquals(3, image.getColorspace());
        assertEquals(20, events.get(3).getStep());

        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 2));
        assertEquals(3, EventFileReader.read(file).size(), "the cut record is left out, those before it kept");
    }

    @Test
    void aSecondWriterInTheSameSecondStartsItsOwnFile() throws Exception {
        try (EventFileWriter a = EventFileWriter.create(dir, 1_700_000_000);
                EventFileWriter b = EventFileWriter.create(dir, 1_700_000_000)) {
            assertNotEquals(a.file(), b.file());
        }
    }
}
