package dev.gantry.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.SafeTensors;
import dev.gantry.data.LabeledImages;
import dev.gantry.model.ModelTensor;
import dev.gantry.sampling.Sampler;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.GeneratorChoice;
import dev.gantry.spec.SpecLoader;
import dev.gantry.testing.TinyImages;
import dev.gantry.testing.TinySpecs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The EMA generator against an independent reference: G's tensors are read after every step and
 * averaged here in double precision with the documented rule (copy before startStep, then
 * lerp(G, G_ema, decay)); G_ema must match that to float rounding. Resume must be exact.
 */
class EmaGeneratorTest {
    private static final String EMA = "  ema: {decay: 0.8, startStep: 2}\n";

    @Test
    void gEmaIsTheMovingAverageOfGWithBuffersAndCopiesBeforeTheStartStep() {
        LabeledImages data = TinyImages.randomImages(64, 10, 3);
        try (NDManager manager = NDManager.newBaseManager(); TrainingState state = fresh(manager, data, EMA)) {
            Map<String, double[]> reference = new LinkedHashMap<>();
            state.model().generatorState().all().forEach((name, t) -> reference.put(suffix(name), doubles(t)));
            assertClose(reference, state.model().emaGeneratorTensors(), 0.0, "at step 0 G_ema is a copy of G");
            Trainer trainer = new Trainer(state, data);
            for (long s = 0; s < 6; s++) {
                trainer.step();
                double decay = s < 2 ? 0.0 : 0.8;
                for (ModelTensor g : state.model().generatorState().all().values()) {
                    double[] avg = reference.get(suffix(g.name()));
                    double[] now = doubles(g);
                    for (int i = 0; i < avg.length; i++) {
                        avg[i] = now[i] + decay * (avg[i] - now[i]);
                    }
                }
                assertClose(reference, state.model().emaGeneratorTensors(), 1e-6, "after step " + (s + 1));
            }
            List<String> buffers = new ArrayList<>();
            state.model().emaGeneratorTensors().forEach((name, t) -> {
                if (name.endsWith("running_mean") || name.contains("sn_u")) {
                    buffers.add(name);
                }
            });
            assertFalse(buffers.isEmpty(), "batch-norm and spectral-norm buffers are averaged too");
            float[] raw = new Sampler(state.model(), GeneratorChoice.RAW).generate(new long[] {1, 2}, 5, false).pixels();
            float[] ema = new Sampler(state.model(), GeneratorChoice.EMA).generate(new long[] {1, 2}, 5, false).pixels();
            assertFalse(java.util.Arrays.equals(raw, ema), "the two generators differ after averaging");
        }
    }

    @Test
    void aResumedRunEqualsAStraightOneAndTheCheckpointHoldsGEma() {
        LabeledImages data = TinyImages.randomImages(64, 10, 3);
        try (NDManager manager = NDManager.newBaseManager();
                TrainingState straight = fresh(manager, data, EMA);
                TrainingState first = fresh(manager, data, EMA)) {
            Trainer t = new Trainer(straight, data);
            for (int i = 0; i < 5; i++) {
                t.step();
            }
            Trainer f = new Trainer(first, data);
            for (int i = 0; i < 3; i++) {
                f.step();
            }
            Map<String, byte[]> files = CheckpointCodec.encode(first);
            Map<String, SafeTensors.Tensor> stored = SafeTensors.read(files.get(CheckpointCodec.MODEL), "model");
            assertTrue(stored.keySet().stream().anyMatch(k -> k.startsWith("G_ema.")), stored.keySet().toString());
            try (TrainingState resumed = CheckpointCodec.decode(files, manager, "mem")) {
                assertEquals(StateHash.of(first), StateHash.of(resumed));
                Trainer r = new Trainer(resumed, data);
                r.step();
                r.step();
                assertEquals(StateHash.of(straight), StateHash.of(resumed), "3 + 2 steps through a checkpoint == 5");
            }
            // The state hash covers G_ema: a change in the average alone changes it.
            String before = StateHash.of(straight);
            ModelTensor any = straight.model().emaGeneratorTensors().values().iterator().next();
            any.array().addi(1f);
            assertNotEquals(before, StateHash.of(straight));
        }
    }

    @Test
    void specsWithoutEmaKeepTheirTrajectoryHashAndTheirTensors() {
        ExperimentSpec without = TinySpecs.spec();
        ExperimentSpec with = SpecLoader.parse(TinySpecs.yaml(EMA), "ema.yaml");
        ExperimentSpec defaults = SpecLoader.parse(TinySpecs.yaml("  ema: {}\n"), "ema.yaml");
        assertFalse(without.training().hasEma());
        assertEquals(0.9999, defaults.training().ema().decay());
        assertEquals(1000, defaults.training().ema().startStep());
        assertNotEquals(without.trajectoryHash(), with.trajectoryHash());
        // The hash of a spec without EMA is what it was before the field existed (pinned from main at a1c2fc8).
        assertEquals("68b7d608e598e373a449b8c30815324c886a0e4e5434e71830e5803c97ea9e20", without.trajectoryHash());
        LabeledImages data = TinyImages.randomImages(16, 10, 3);
        try (NDManager manager = NDManager.newBaseManager(); TrainingState state = fresh(manager, data, "")) {
            assertTrue(state.modelTensors().keySet().stream().noneMatch(k -> k.startsWith("G_ema.")));
            assertThrows(IllegalArgumentException.class, () -> new Sampler(state.model(), GeneratorChoice.EMA));
        }
    }

    private static TrainingState fresh(NDManager manager, LabeledImages data, String extraTraining) {
        ExperimentSpec spec = SpecLoader.parse(TinySpecs.yaml(extraTraining), "tiny.yaml");
        return new TrainingState(spec, TinySpecs.yaml(extraTraining), spec.model().resolve(1, 10), data.classNames(), manager);
    }

    private static String suffix(String name) {
        return name.substring(name.indexOf('.') + 1);
    }

    private static double[] doubles(ModelTensor t) {
        float[] f = t.array().toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static void assertClose(Map<String, double[]> reference, Map<String, ModelTensor> actual, double tolerance,
            String when) {
        assertEquals(reference.size(), actual.size());
        for (ModelTensor t : actual.values()) {
            double[] want = reference.get(suffix(t.name()));
            float[] got = t.array().toFloatArray();
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < got.length; i++) {
                scale = Math.max(scale, Math.abs(want[i]));
                diff = Math.max(diff, Math.abs(got[i] - want[i]));
            }
            assertTrue(diff <= tolerance * Math.max(1.0, scale), when + ": " + t.name() + " off by " + diff);
        }
    }
}
