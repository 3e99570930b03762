package dev.gantry.tensorboard;

import dev.gantry.proto.tensorboard.Event;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads back event files: what an export already wrote to a run directory. */
public final class EventFileReader {
    private EventFileReader() {}

    /** The events of one file, up to a truncated or corrupt record (a writer killed mid-record), if any. */
    public static List<Event> read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            for (Optional<byte[]> r = TfRecord.read(in); r.isPresent(); r = TfRecord.read(in)) {
                events.add(Event.parseFrom(r.get()));
            }
        } catch (TfRecord.TruncatedRecordException e) {
            // what precedes the damage is sound; TensorBoard itself stops reading there too
        }
        return events;
    }

    /** The events of every event file in {@code runDir} (none when it does not exist), file by file in name order. */
    public static List<Event> readRun(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(runDir)) {
            files = s.filter(p -> p.getFileName().toString().contains("tfevents")).sorted().toList();
        }
        List<Event> events = new ArrayList<>();
        for (Path f : files) {
            events.addAll(read(f));
        }
        return events;
    }
}
