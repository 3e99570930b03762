package dev.gantry.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import dev.gantry.testing.TinySpecs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A worker warms one trial per distinct data set, model and batch size, not one per trial. */
class WarmUpTrialsTest {
    @Test
    void trialsDifferingOnlyInSeedOrLearningRateShareOneWarmUp() {
        ExperimentPlan seeds = PlanLoader.parse(TinySpecs.yaml("experiment:\n  seeds: [1, 2, 3]\n"), "seeds.yaml");
        assertEquals(3, seeds.trials().size());
        assertEquals(1, WorkerSettings.warmUpTrials(List.of(seeds)).size());
    }

    @Test
    void eachBatchSizeAndEachSpecFileGetsItsOwn() {
        ExperimentPlan batches = PlanLoader.parse(TinySpecs.yaml("""
                experiment:
                  variants:
                    - {name: b4, set: {training.batchSize: 4}}
                    - {name: b8, set: {training.batchSize: 8}}
                    - {name: b8-lr, set: {training.lrG: 0.001}}
                """),
                "batches.yaml");
        assertEquals(3, batches.trials().size());
        assertEquals(2, WorkerSettings.warmUpTrials(List.of(batches)).size());
        assertEquals(2, WorkerSettings.warmUpTrials(List.of(batches, batches)).size(), "the same trials twice: warmed once");
    }

    @Test
    void aWarmSpecThatDoesNotLoadStopsTheWorkerNamingTheFlagAndTheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path broken = java.nio.file.Files.writeString(dir.resolve("broken.yaml"),
                TinySpecs.yaml("").replace("batchSize: 8", "batchSize: -1"));
        for (java.nio.file.Path file : List.of(broken, dir.resolve("missing.yaml"))) {
            WorkerCommand command = new WorkerCommand();
            new picocli.CommandLine(command).parseArgs("train", "--store-root", dir + "/", "--warm", file.toString());
            dev.gantry.config.ExitException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.gantry.config.ExitException.class, command::settings);
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("--warm " + file), e.getMessage());
        }
    }
}
