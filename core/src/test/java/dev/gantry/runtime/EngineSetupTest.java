package dev.gantry.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class EngineSetupTest {
    /**
     * OpenMP keeps the intra-op thread count per thread: a thread the JVM starts runs with
     * OMP_NUM_THREADS or one per core, whatever the engine was configured with, and results
     * computed there differ in their last bits from the configured count's.
     */
    @Test
    void computeThreadsUseTheConfiguredIntraOpThreadCount() throws Exception {
        Engine.getEngine("PyTorch");  // loaded first: the property below must not configure the engine for later tests
        String before = System.getProperty("ai.djl.pytorch.num_threads");
        ExecutorService plain = Executors.newSingleThreadExecutor();
        ExecutorService compute = null;
        try {
            int unconfigured = plain.submit(JniUtils::getNumThreads).get();
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(unconfigured + 1));
            compute = Executors.newSingleThreadExecutor(EngineSetup.computeThreads("test-compute"));
            assertEquals(unconfigured + 1, compute.submit(JniUtils::getNumThreads).get());
        } finally {
            plain.shutdown();
            if (compute != null) {
                compute.shutdown();
            }
            if (before == null) {
                System.clearProperty("ai.djl.pytorch.num_threads");
            } else {
                System.setProperty("ai.djl.pytorch.num_threads", before);
            }
        }
    }
}
