package dev.gantry.tensorboard;

import dev.gantry.proto.tensorboard.Event;
import dev.gantry.proto.tensorboard.Summary;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * One trial's TensorBoard run: a directory of event files, and which (tag, step) values it holds
 * already, counting those an earlier export wrote. Values are added, never rewritten, so an
 * export can be stopped and run again over the same directory without doubling a curve.
 */
final class RunDirectory implements Closeable {
    private final Path dir;
    private final Set<String> written = new HashSet<>();
    private EventFileWriter writer;

    private RunDirectory(Path dir) {
        this.dir = dir;
    }

    static RunDirectory open(Path dir) throws IOException {
        RunDirectory run = new RunDirectory(dir);
        for (Event e : EventFileReader.readRun(dir)) {
            for (Summary.Value v : e.getSummary().getValueList()) {
                run.written.add(key(v.getTag(), e.getStep()));
            }
        }
        return run;
    }

    boolean has(String tag, long step) {
        return written.contains(key(tag, step));
    }

    /** Writes the point unless the run has a value of its tag at its step; true when written. */
    boolean add(ScalarPoint p) throws IOException {
        if (!written.add(key(p.tag(), p.step()))) {
            return false;
        }
        writer().scalar(p.tag(), p.step(), p.wallTimeSeconds(), (float) p.value());
        return true;
    }

    boolean addImage(String tag, long step, double wallTimeSeconds, SampleImages.Png png) throws IOException {
        if (!written.add(key(tag, step))) {
            return false;
        }
        writer().image(tag, step, wallTimeSeconds, png.bytes(), png.width(), png.height());
        return true;
    }

    void flush() throws IOException {
        if (writer != null) {
            writer.flush();
        }
    }

    @Override
    public void close() throws IOException {
        if (writer != null) {
            writer.close();
        }
    }

    /** Opened on the first new value, so a run with nothing new gets no empty file. */
    private EventFileWriter writer() throws IOException {
        if (writer == null) {
            writer = EventFileWriter.create(dir, System.currentTimeMillis() / 1000.0);
        }
        return writer;
    }

    private static String key(String tag, long step) {
        return step + "\u0000" + tag;
    }
}
