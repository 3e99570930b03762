package dev.gantry.worker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.checkpoint.Mutations;
import dev.gantry.failure.PermanentException;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.spec.PlanLoader;
import dev.gantry.storage.StoreRoots;
import dev.gantry.testing.TinySpecs;
import dev.gantry.transport.MalformedMessageException;
import dev.gantry.transport.Messages;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Mutated and forged task records through what a worker does first with them: decode, then
 * {@link TaskChecks}. The only failures accepted are MalformedMessageException and a
 * PermanentException (parked at once with its reason); anything else would be retried as if
 * transient. A task that passes has every field within the bounds the runners rely on.
 */
class TaskChecksFuzzTest {
    private static final StoreRoots ROOTS = StoreRoots.of(List.of("s3://gantry/"));
    private static final String SPEC = TinySpecs.yaml("");
    private static final TrialRef TRIAL = TrialRef.newBuilder().setExperimentId("exp").setTrialId("exp-t000").build();
    private static final CheckpointRef START = CheckpointRef.newBuilder().setUri("s3://gantry/checkpoints/exp-t000/step-00000002/")
            .setStep(2).setManifestSha256("ab".repeat(32)).build();
    private static final TrainingTask TRAINING = TrainingTask.newBuilder().setTaskId("exp-t000@2-4").setTrial(TRIAL)
            .setFromStep(2).setToStep(4).setStart(START).setSpecYaml(SPEC).setSpecHash(TinySpecs.spec().trajectoryHash())
            .setCheckpointUriPrefix("s3://gantry/checkpoints/exp-t000/").setTotalSteps(4).build();
    private static final EvaluationTask EVALUATION = EvaluationTask.newBuilder().setTaskId("eval-1").setTrial(TRIAL)
            .setCheckpoint(START).setExtractorId("fmnist-cnn-v1").setSplit("test").setSamplesPerClass(50).setEvalSeed(3)
            .setTotalSteps(4).setStatsRoot("s3://gantry/stats/").setGenerator("raw").addMetrics("kid").build();

    private static final long[] STEPS = {Long.MIN_VALUE, -1, 0, 1, 2, 4, 5, Integer.MAX_VALUE, Long.MAX_VALUE};
    private static final String[] TEXTS = {"", "s3://gantry/", "s3://other/x/", "s3://gantry/../x/", "s3://gantry//x/",
            "/etc/", "relative/dir", "s3://gantry/a\u0000b/", "file:///tmp/", "s3://", "test", "train", "validation",
            "../test", "raw", "ema", "EMA", "kid", "fid", "zz", "fmnist-cnn-v1", "inception-v3-tf-2015-12-05", "inception",
            "x".repeat(3000), "\u202e", "name: [", "{}"};

    private static String text(SplittableRandom random) {
        return TEXTS[random.nextInt(TEXTS.length)];
    }

    /** The valid training task with fields replaced by extreme or hostile values. */
    private static TrainingTask forgedTraining(SplittableRandom random) {
        TrainingTask.Builder b = TRAINING.toBuilder();
        for (int e = 0, n = 1 + random.nextInt(3); e < n; e++) {
            switch (random.nextInt(7)) {
                case 0 -> b.setFromStep(STEPS[random.nextInt(STEPS.length)]);
                case 1 -> b.setToStep(STEPS[random.nextInt(STEPS.length)]);
                case 2 -> b.setTotalSteps(STEPS[random.nextInt(STEPS.length)]);
                case 3 -> b.setCheckpointUriPrefix(text(random));
                case 4 -> b.setStart(START.toBuilder().setUri(text(random)).setStep(STEPS[random.nextInt(STEPS.length)]));
                case 5 -> b.setSpecYaml(random.nextBoolean() ? text(random)
                        : SPEC.replace("kind: fashion-mnist", "kind: image-folder\n  path: " + text(random)));
                default -> b.setSpecHash(text(random));
            }
        }
        return b.build();
    }

    /** The valid evaluation task with fields replaced by extreme or hostile values. */
    private static EvaluationTask forgedEvaluation(SplittableRandom random) {
        EvaluationTask.Builder b = EVALUATION.toBuilder();
        int[] samples = {Integer.MIN_VALUE, -1, 0, 1, 2, PlanLoader.MAX_SAMPLES_PER_CLASS, PlanLoader.MAX_SAMPLES_PER_CLASS + 1,
                Integer.MAX_VALUE};
        for (int e = 0, n = 1 + random.nextInt(3); e < n; e++) {
            switch (random.nextInt(7)) {
                case 0 -> b.setSamplesPerClass(samples[random.nextInt(samples.length)]);
                case 1 -> b.setCheckpoint(START.toBuilder().setUri(text(random)).setStep(STEPS[random.nextInt(STEPS.length)]));
                case 2 -> b.setSplit(text(random));
                case 3 -> b.setExtractorId(text(random));
                case 4 -> b.setGenerator(text(random));
                case 5 -> b.clearMetrics().addMetrics(text(random));
                default -> b.setStatsRoot(text(random));
            }
        }
        return b.build();
    }

    private static ConsumerRecord<String, byte[]> record(byte[] value) {
        return new ConsumerRecord<>("fuzz-tasks", 0, 7L, "key", value);
    }

    @Property(tries = 2000, seed = "20261201")
    void trainingTasksPassOrFailPermanently(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] value = random.nextBoolean() ? forgedTraining(random).toByteArray()
                : Mutations.mutate(TRAINING.toByteArray(), random, edits);
        try {
            TrainingTask task = Messages.decode(record(value), TrainingTask.parser(), "TrainingTask");
            TaskChecks.training(task, ROOTS);
            assertTrue(task.getFromStep() >= 0 && task.getFromStep() < task.getToStep()
                    && task.getToStep() <= task.getTotalSteps(), task.toString());
        } catch (MalformedMessageException | PermanentException expected) {
            // refused: skipped as malformed, or parked with its reason
        }
    }

    @Property(tries = 2000, seed = "20261201")
    void evaluationTasksPassOrFailPermanently(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] value = random.nextBoolean() ? forgedEvaluation(random).toByteArray()
                : Mutations.mutate(EVALUATION.toByteArray(), random, edits);
        try {
            EvaluationTask task = Messages.decode(record(value), EvaluationTask.parser(), "EvaluationTask");
            TaskChecks.evaluation(task, ROOTS);
            int n = task.getSamplesPerClass();
            assertTrue((n == 0 || (n >= 2 && n <= PlanLoader.MAX_SAMPLES_PER_CLASS)) && task.getCheckpoint().getStep() >= 0
                    && Set.of("train", "test").contains(task.getSplit()), task.toString());
        } catch (MalformedMessageException | PermanentException expected) {
            // refused: skipped as malformed, or parked with its reason
        }
    }
}
