package dev.gantry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gpu overlay gives each training worker one GPU on a GPU node; the cpu overlay asks for none. */
class AcceleratorOverlaysTest {
    private static final String GPU = "nvidia.com/gpu";

    @Test
    void gpuTrainingWorkersRequestOneGpuEachOnGpuNodes() {
        Deployment trainers = Overlays.rendered("gpu").onlyDeployment("train-worker");
        PodSpec pod = trainers.getSpec().getTemplate().getSpec();
        Container worker = OverlayInvariantsTest.gantryContainer(trainers);
        assertEquals(new Quantity("1"), resource(worker.getResources().getLimits(), "limits"));
        assertEquals(new Quantity("1"), resource(worker.getResources().getRequests(), "requests"));
        assertTrue(worker.getImage().startsWith("gantry-gpu:"), "the CUDA image: " + worker.getImage());
        assertFalse(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty(), "nodeSelector for GPU nodes");
        assertTrue(pod.getTolerations() != null && pod.getTolerations().stream().anyMatch(t -> GPU.equals(t.getKey())),
                "a toleration for GPU nodes' taint");
    }

    @Test
    void onlyTrainingWorkersOfTheGpuOverlayAskForGpus() {
        for (String overlay : Overlays.names()) {
            Overlays.rendered(overlay).allContainers().forEach(e -> {
                boolean gpuTrainer = overlay.equals("gpu") && e.getKey().equals("Deployment/gantry-train-worker/worker");
                var resources = e.getValue().getResources();
                boolean asks = resources != null && (has(resources.getLimits()) || has(resources.getRequests()));
                assertEquals(gpuTrainer, asks, overlay + " " + e.getKey() + " asks for " + GPU);
            });
        }
    }

    private static boolean has(Map<String, Quantity> resources) {
        return resources != null && resources.containsKey(GPU);
    }

    private static Quantity resource(Map<String, Quantity> resources, String which) {
        assertNotNull(resources, which);
        assertNotNull(resources.get(GPU), which + " " + GPU);
        return resources.get(GPU);
    }
}
