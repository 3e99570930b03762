package dev.gantry.tensorboard;

import com.google.protobuf.ByteString;
import dev.gantry.proto.tensorboard.Event;
import dev.gantry.proto.tensorboard.Summary;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends events to a new TensorBoard event file in one run directory. Records reach the file
 * only whole, at {@link #flush}, so a TensorBoard reading the directory meanwhile never sees half
 * a batch. An existing file is never written: a second writer in the same directory (a restarted
 * export) starts its own file, and TensorBoard merges the files of a run.
 */
public final class EventFileWriter implements Closeable {
    /** What TensorBoard expects in the first record of a file. */
    public static final String FILE_VERSION = "brain.Event:2";
    private static final int RGB = 3;

    private final Path file;
    private final OutputStream out;

    private EventFileWriter(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /** Creates {@code events.out.tfevents.<unix seconds>.<host>.<pid>[.<n>]} in {@code runDir} and writes its version record. */
    public static EventFileWriter create(Path runDir, double wallTimeSeconds) throws IOException {
        Files.createDirectories(runDir);
        String base = String.format("events.out.tfevents.%d.%s.%d", (long) wallTimeSeconds, hostName(),
                ProcessHandle.current().pid());
        for (int n = 0; ; n++) {
            Path file = runDir.resolve(n == 0 ? base : base + "." + n);
            try {
                OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE));
                EventFileWriter writer = new EventFileWriter(file, out);
                writer.write(Event.newBuilder().setWallTime(wallTimeSeconds).setFileVersion(FILE_VERSION).build());
                writer.flush();
                return writer;
            } catch (FileAlreadyExistsException e) {
                // same second, host and pid (pid 1 in every container): take the next suffix
            }
        }
    }

    public Path file() {
        return file;
    }

    public void scalar(String tag, long step, double wallTimeSeconds, float value) throws IOException {
        write(summary(step, wallTimeSeconds, Summary.Value.newBuilder().setTag(tag).setSimpleValue(value)));
    }

    /** An RGB PNG. */
    public void image(String tag, long step, double wallTimeSeconds, byte[] png, int width, int height) throws IOException {
        write(summary(step, wallTimeSeconds, Summary.Value.newBuilder().setTag(tag).setImage(Summary.Image.newBuilder()
                .setWidth(width).setHeight(height).setColorspace(RGB).setEncodedImageString(ByteString.copyFrom(png)))));
    }

    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private static Event summary(long step, double wallTimeSeconds, Summary.Value.Builder value) {
        return Event.newBuilder().setWallTime(wallTimeSeconds).setStep(step)
                .setSummary(Summary.newBuilder().addValue(value)).build();
    }

    private void write(Event event) throws IOException {
        out.write(TfRecord.frame(event.toByteArray()));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "_");
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
