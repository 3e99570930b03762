package dev.gantry.transport;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.gantry.checkpoint.Mutations;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.proto.v1.ExperimentCommand;
import dev.gantry.proto.v1.SubmitExperiment;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrainingStats;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.proto.v1.WorkerProgress;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Thousands of mutated records on every topic gantry consumes: {@link Messages#decode} either
 * decodes them or refuses them with {@link MalformedMessageException} (which names topic,
 * partition and offset); never a raw protobuf or runtime error, never a stack overflow from
 * nesting.
 */
class MessagesFuzzTest {
    private record Kind(String type, Parser<? extends Message> parser, byte[] valid) {}

    private static final TrialRef TRIAL = TrialRef.newBuilder().setExperimentId("exp").setTrialId("exp-t000").build();
    private static final CheckpointRef CHECKPOINT = CheckpointRef.newBuilder()
            .setUri("s3://gantry/checkpoints/exp-t000/step-00000200/").setStep(200).setManifestSha256("ab".repeat(32)).build();
    private static final EvaluationPolicy POLICY = EvaluationPolicy.newBuilder().setEverySteps(100).setFinalStep(true)
            .setExtractorId("fmnist-cnn-v1").setSplit("test").setSamplesPerClass(50).setEvalSeed(3)
            .setStatsRoot("s3://gantry/stats/").setGenerator("ema").addMetrics("kid").addMetrics("pr").build();
    private static final TrainingStats STATS = TrainingStats.newBuilder().setLossD(1.5).setLossG(-0.25)
            .setRealScore(0.5).setFakeScore(-0.5).setStepsPerSecond(3.25).build();

    private static final List<Kind> KINDS = List.of(
            new Kind("TrainingTask", TrainingTask.parser(), TrainingTask.newBuilder().setTaskId("exp-t000@100-200")
                    .setTrial(TRIAL).setFromStep(100).setToStep(200).setStart(CHECKPOINT).setSpecYaml("name: exp\n")
                    .setSpecHash("cd".repeat(32)).setCheckpointUriPrefix("s3://gantry/checkpoints/exp-t000/")
                    .setEvalPolicy(POLICY).setTotalSteps(1000).build().toByteArray()),
            new Kind("EvaluationTask", EvaluationTask.parser(), EvaluationTask.newBuilder().setTaskId("eval-1")
                    .setTrial(TRIAL).setCheckpoint(CHECKPOINT).setExtractorId("fmnist-cnn-v1").setSplit("test")
                    .setSamplesPerClass(50).setEvalSeed(9).setTotalSteps(1000).setRequestedAtMs(1_700_000_000_000L)
                    .setStatsRoot("s3://gantry/stats/").setGenerator("raw").addMetrics("dc").build().toByteArray()),
            new Kind("CheckpointEvent", CheckpointEvent.parser(), CheckpointEvent.newBuilder().setTrial(TRIAL)
                    .setCheckpoint(CHECKPOINT).setTaskId("exp-t000@100-200").setWorkerId("w1").setStats(STATS)
                    .setSegmentSeconds(12.5).setEvalPolicy(POLICY).setTotalSteps(1000).build().toByteArray()),
            new Kind("EvaluationResult", EvaluationResult.parser(), EvaluationResult.newBuilder().setTrial(TRIAL)
                    .setStep(200).setCheckpoint(CHECKPOINT).setExtractorId("fmnist-cnn-v1")
                    .setMetricDefinition("fid[fmnist-cnn-v1]/test/n=50/seed=3").setFid(12.5).setIntraFid(20.25)
                    .putPerClassFid("Bag", 18.5).putPerClassFid("Coat", 22).putMetrics("kid", 0.01)
                    .putPerClassKid("Bag", 0.02).setMetricSettings("kid:subsets=100,size=1000").build().toByteArray()),
            new Kind("TrialState", TrialState.parser(), TrialState.newBuilder().setTrial(TRIAL)
                    .setPhase(TrialState.Phase.RUNNING).setStep(200).setTotalSteps(1000).setLatest(CHECKPOINT)
                    .setSpecYaml("name: exp\n").addKept(CHECKPOINT).putOverrides("training.lrG", "1e-4")
                    .addEvaluatedSteps(100).addEvaluatedSteps(200).setLatestFid(Double.NaN).build().toByteArray()),
            new Kind("TaskFailure", TaskFailure.parser(), TaskFailure.newBuilder().setTaskId("exp-t000@100-200")
                    .setTrial(TRIAL).setReason("diverged").setWorkerId("w1").setDeliveryCount(2)
                    .setKind(TaskFailure.Kind.DIVERGED).setFromStep(100).build().toByteArray()),
            new Kind("WorkerProgress", WorkerProgress.parser(), WorkerProgress.newBuilder().setWorkerId("w1").setTrial(TRIAL)
                    .setTaskId("exp-t000@100-200").setStep(150).setToStep(200).setStats(STATS).build().toByteArray()),
            new Kind("ExperimentCommand", ExperimentCommand.parser(), ExperimentCommand.newBuilder().setExperimentId("exp")
                    .setIssuedAtMs(5).setSubmit(SubmitExperiment.newBuilder().setSpecYaml("name: exp\n").setSubmittedBy("me"))
                    .build().toByteArray()));

    /** Hand-made wire data: groups nested past any recursion limit, lengths that claim gigabytes, bad UTF-8. */
    private static byte[] forged(SplittableRandom random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (random.nextInt(4)) {
            case 0 -> {  // an unknown field 15 as a start-group tag, nested thousands deep
                for (int i = 0, n = 1 + random.nextInt(20_000); i < n; i++) {
                    out.write(0x7b);
                }
            }
            case 1 -> {  // a nested message (field 2) nested in itself thousands deep: length prefixes that lie
                for (int i = 0, n = 1 + random.nextInt(5_000); i < n; i++) {
                    out.write(0x12);
                    out.write(0x7f);
                }
            }
            case 2 -> {  // a string field claiming 2^31 - 1 bytes, then a few
                out.write(0x0a);
                out.writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 'a', 'b'});
            }
            default -> {  // a string field with invalid UTF-8 (proto3 checks it)
                out.write(0x0a);
                out.write(3);
                out.writeBytes(new byte[] {(byte) 0xc3, (byte) 0x28, (byte) 0xff});
            }
        }
        return out.toByteArray();
    }

    @Property(tries = 4000, seed = "20261201")
    void mutatedRecordsDecodeOrAreRefusedAsMalformed(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        Kind kind = KINDS.get(random.nextInt(KINDS.size()));
        byte[] value = switch (random.nextInt(8)) {
            case 0 -> forged(random);
            case 1 -> {  // another topic's message, or two concatenated (what a mixed-up producer writes)
                byte[] other = KINDS.get(random.nextInt(KINDS.size())).valid();
                byte[] both = new byte[kind.valid().length + other.length];
                System.arraycopy(kind.valid(), 0, both, 0, kind.valid().length);
                System.arraycopy(other, 0, both, kind.valid().length, other.length);
                yield random.nextBoolean() ? other : both;
            }
            default -> Mutations.mutate(kind.valid(), random, edits);
        };
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("fuzz-topic", 3, seed, "key", value);
        try {
            Messages.decode(record, kind.parser(), kind.type());
        } catch (MalformedMessageException expected) {
            // the transport's own error
        }
    }
}
