package dev.gantry.tensorboard;

import dev.gantry.client.ExperimentRecords;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Writes an experiment as TensorBoard runs, one directory per trial under {@code outDir}: its
 * training and evaluation scalars at their generator steps, and a sample grid ("samples") of each
 * checkpoint still kept. Called once for an export, or again and again with what arrived
 * meanwhile to follow a running experiment: only values a run lacks are written.
 */
public final class TensorBoardExport implements Closeable {
    public static final String SAMPLES = "samples";

    private final Path outDir;
    private final SampleImages images;
    private final Map<String, RunDirectory> runs = new LinkedHashMap<>();
    /** Checkpoints already tried, rendered or not: a deleted one is not looked for again at every poll. */
    private final Set<String> triedCheckpoints = new HashSet<>();
    /** Records of trials whose state has not been read yet: their run's name comes from the state. */
    private ExperimentRecords waiting = ExperimentRecords.none();

    public TensorBoardExport(Path outDir, SampleImages images) {
        this.outDir = outDir;
        this.images = images;
    }

    /** What one {@link #write} added. */
    public record Written(int scalars, int images) {
        public boolean any() {
            return scalars + images > 0;
        }
    }

    /**
     * Writes what {@code fresh} and {@code trials}' kept checkpoints hold that the runs lack, and
     * flushes. Records of trials not among {@code trials} wait for a later call that has them.
     */
    public Written write(List<TrialState> trials, ExperimentRecords fresh) throws IOException {
        Map<String, TrialState> known = new LinkedHashMap<>();
        trials.forEach(t -> known.put(t.getTrial().getTrialId(), t));
        ExperimentRecords all = concat(waiting, fresh);
        waiting = select(all, id -> !known.containsKey(id));
        int scalars = 0;
        for (Map.Entry<String, List<ScalarPoint>> e : TrialScalars.of(select(all, known::containsKey), known).entrySet()) {
            RunDirectory run = run(known.get(e.getKey()));
            List<ScalarPoint> points = new ArrayList<>(e.getValue());
            points.sort(Comparator.comparingLong(ScalarPoint::step));  // stable: checkpoint values stay first
            for (ScalarPoint p : points) {
                scalars += run.add(p) ? 1 : 0;
            }
        }
        int rendered = 0;
        for (TrialState t : known.values()) {
            rendered += samples(t);
        }
        for (RunDirectory run : runs.values()) {
            run.flush();
        }
        return new Written(scalars, rendered);
    }

    /** How many checkpoints of {@code trials} a {@link #write} would render now: for a progress bar. */
    public int checkpointsToRender(List<TrialState> trials) throws IOException {
        int count = 0;
        for (TrialState t : trials) {
            for (CheckpointRef k : t.getKeptList()) {
                count += triedCheckpoints.contains(checkpointKey(t, k)) || run(t).has(SAMPLES, k.getStep()) ? 0 : 1;
            }
        }
        return count;
    }

    /** The directory of a trial's run: "t003_sn-g-d,seed=2", from its id within the experiment and its label. */
    public static String runName(TrialState t) {
        String trialId = t.getTrial().getTrialId();
        String prefix = t.getTrial().getExperimentId() + "-";
        String name = trialId.startsWith(prefix) && trialId.length() > prefix.length()
                ? trialId.substring(prefix.length()) : trialId;
        if (!t.getLabel().isEmpty()) {
            name += "_" + t.getLabel();
        }
        String safe = name.replaceAll("[^A-Za-z0-9._,=+-]", "_").replace("..", "__");
        // Ids and labels come from messages: a run directory never climbs out of --out, nor is it --out.
        return safe.isEmpty() || safe.equals(".") ? "_" : safe;
    }

    private int samples(TrialState t) throws IOException {
        int rendered = 0;
        for (CheckpointRef k : t.getKeptList()) {
            if (!triedCheckpoints.add(checkpointKey(t, k))) {
                continue;
            }
            RunDirectory run = run(t);
            if (run.has(SAMPLES, k.getStep())) {
                continue;
            }
            Optional<SampleImages.Png> png = images.render(t, k);
            if (png.isPresent() && run.addImage(SAMPLES, k.getStep(), System.currentTimeMillis() / 1000.0, png.get())) {
                rendered++;
            }
        }
        return rendered;
    }

    private RunDirectory run(TrialState t) throws IOException {
        RunDirectory run = runs.get(t.getTrial().getTrialId());
        if (run == null) {
            run = RunDirectory.open(outDir.resolve(runName(t)));
            runs.put(t.getTrial().getTrialId(), run);
        }
        return run;
    }

    private static String checkpointKey(TrialState t, CheckpointRef k) {
        return t.getTrial().getTrialId() + "@" + k.getStep();
    }

    private static ExperimentRecords concat(ExperimentRecords a, ExperimentRecords b) {
        if (a.isEmpty()) {
            return b;
        }
        List<WorkerProgress> progress = new ArrayList<>(a.progress());
        progress.addAll(b.progress());
        List<CheckpointEvent> checkpoints = new ArrayList<>(a.checkpoints());
        checkpoints.addAll(b.checkpoints());
        List<EvaluationResult> results = new ArrayList<>(a.results());
        results.addAll(b.results());
        return new ExperimentRecords(progress, checkpoints, results);
    }

    private static ExperimentRecords select(ExperimentRecords r, Predicate<String> trialId) {
        return new ExperimentRecords(
                r.progress().stream().filter(p -> trialId.test(p.getTrial().getTrialId())).toList(),
                r.checkpoints().stream().filter(c -> trialId.test(c.getTrial().getTrialId())).toList(),
                r.results().stream().filter(e -> trialId.test(e.getTrial().getTrialId())).toList());
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (RunDirectory run : runs.values()) {
            try {
                run.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
