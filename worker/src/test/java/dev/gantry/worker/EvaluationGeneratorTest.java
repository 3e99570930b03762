package dev.gantry.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.failure.BadTaskException;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.CheckpointRef;
import dev.gantry.proto.v1.EvaluationPolicy;
import dev.gantry.proto.v1.EvaluationTask;
import dev.gantry.proto.v1.TrialRef;
import dev.gantry.spec.GeneratorChoice;
import org.junit.jupiter.api.Test;

/** The generator an evaluation uses travels from the policy to the task to the result's definition. */
class EvaluationGeneratorTest {
    @Test
    void thePolicysGeneratorReachesTheTaskAndTheMetricDefinition() {
        CheckpointEvent event = CheckpointEvent.newBuilder()
                .setTrial(TrialRef.newBuilder().setExperimentId("e").setTrialId("e-t000"))
                .setCheckpoint(CheckpointRef.newBuilder().setUri("s3://b/e/e-t000/step-00000010/").setStep(10))
                .setTotalSteps(10).setEvalPolicy(EvaluationPolicy.newBuilder().setFinalStep(true)
                        .setExtractorId("fmnist-cnn-v1").setSplit("test").setGenerator("ema"))
                .build();
        EvaluationTask task = EvalWorker.due(event).orElseThrow();
        assertEquals("ema", task.getGenerator());
        assertEquals(GeneratorChoice.EMA, EvaluationRunner.generator(task));
        assertEquals("fid[fmnist-cnn-v1]/test/n=class-counts/seed=0/generator=ema",
                EvaluationRunner.metricDefinition(task, "fmnist-cnn-v1"));
        EvaluationTask old = task.toBuilder().clearGenerator().build();
        assertEquals("fid[fmnist-cnn-v1]/test/n=class-counts/seed=0", EvaluationRunner.metricDefinition(old, "fmnist-cnn-v1"),
                "tasks from before the field are the raw generator's, with the definitions they always had");
        assertEquals(java.util.Set.of(dev.gantry.cluster.MetricNames.SetMetric.KID),
                EvaluationRunner.otherMetrics(task.toBuilder().addMetrics("fid").addMetrics("kid").build()));
        BadTaskException unknown = assertThrows(BadTaskException.class,
                () -> EvaluationRunner.otherMetrics(task.toBuilder().addMetrics("inception-score").build()));
        assertTrue(unknown.getMessage().contains("metric 'inception-score'"), unknown.getMessage());
        BadTaskException bad = assertThrows(BadTaskException.class,
                () -> EvaluationRunner.generator(task.toBuilder().setGenerator("EMA ").build()));
        assertTrue(bad.getMessage().contains("generator 'EMA '"), bad.getMessage());
    }
}
