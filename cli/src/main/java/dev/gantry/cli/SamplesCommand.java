package dev.gantry.cli;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.client.ClusterView;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.sampling.SampleGrid;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.Stores;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.TrainingState;
import dev.gantry.transport.ClusterOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "samples", mixinStandardHelpOptions = true,
        description = "Write a grid of generated samples (a row per class) from a trial's checkpoint.",
        footer = {"", "Examples:", "  gantry samples fmnist-small-20261123-2101-a3f9-t000 --out grid.png          # latest",
                "  gantry samples TRIAL --step 1000 --out grid.png --attention"})
final class SamplesCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TRIAL")
    String trialId;

    @Option(names = "--step", description = "checkpoint step (default: the latest)")
    Long step;

    @Option(names = "--out", required = true, paramLabel = "PNG")
    Path out;

    @Option(names = "--per-class", defaultValue = "8")
    int perClass;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--attention", description = "add attention maps of the last self-attention layer")
    boolean attention;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        TrialState trial;
        try (ClusterView view = new ClusterView(cluster.kafka())) {
            var t = view.catchUp().trial(trialId);
            if (t.isEmpty()) {
                System.err.println("no trial '" + trialId + "' (gantry status EXPERIMENT lists them)");
                return Main.BAD_INPUT;
            }
            trial = t.get();
        }
        long s = step != null ? step : trial.getStep();
        String uri = ClusterLayout.checkpointUri(trial.getSettings().getCheckpointRoot(), trialId, s);
        EngineSetup.configure(null);
        try (Stores stores = new Stores(S3Settings.fromEnvironment()); NDManager manager = NDManager.newBaseManager()) {
            Stores.Location at = stores.locate(uri);
            CheckpointStore store = new CheckpointStore(at.store());
            if (!store.exists(at.keyPrefix())) {
                System.err.println(uri + ": no checkpoint (kept steps: " + trial.getKeptList().stream()
                        .map(c -> String.valueOf(c.getStep())).toList() + ")");
                return Main.BAD_INPUT;
            }
            try (TrainingState state = CheckpointCodec.decode(store.read(at.keyPrefix()), manager, uri)) {
                SampleGrid.write(SampleGrid.of(state, perClass, seed, attention, 2), out);
            }
            System.out.println("wrote " + out + " (step " + s + ")");
            return 0;
        } catch (CheckpointException e) {
            System.err.println(e.getMessage());
            return Main.BAD_INPUT;
        }
    }
}
