package dev.gantry.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fields of KEDA's ScaledObject (keda.sh/v1alpha1, KEDA 2.x) that the manifests may use, so
 * that a misspelt one fails here as it would in the API server's schema validation. The HPA
 * behavior under {@code advanced} is Kubernetes' own and is checked by key names too.
 */
final class ScaledObjectSchema {
    private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec");
    private static final Set<String> SPEC = Set.of("scaleTargetRef", "pollingInterval", "cooldownPeriod",
            "initialCooldownPeriod", "idleReplicaCount", "minReplicaCount", "maxReplicaCount", "fallback", "advanced",
            "triggers");
    private static final Set<String> SCALE_TARGET_REF = Set.of("name", "kind", "apiVersion", "envSourceContainerName");
    private static final Set<String> ADVANCED = Set.of("restoreToOriginalReplicaCount", "horizontalPodAutoscalerConfig",
            "scalingModifiers");
    private static final Set<String> HPA_CONFIG = Set.of("name", "behavior");
    private static final Set<String> BEHAVIOR = Set.of("scaleUp", "scaleDown");
    private static final Set<String> SCALING_RULES = Set.of("stabilizationWindowSeconds", "selectPolicy", "policies",
            "tolerance");
    private static final Set<String> POLICY = Set.of("type", "value", "periodSeconds");
    private static final Set<String> TRIGGER = Set.of("type", "name", "metadata", "authenticationRef", "metricType",
            "useCachedMetrics");
    /** KEDA's Prometheus scaler's metadata keys. */
    private static final Set<String> PROMETHEUS_METADATA = Set.of("serverAddress", "query", "threshold",
            "activationThreshold", "namespace", "customHeaders", "ignoreNullValues", "unsafeSsl", "queryParameters",
            "authModes", "timeout");

    private ScaledObjectSchema() {}

    static void check(GenericKubernetesResource scaledObject) {
        Map<String, Object> spec = map(scaledObject.getAdditionalProperties().get("spec"), "spec");
        keys(scaledObject.getAdditionalProperties().keySet(), TOP, "");
        keys(spec.keySet(), SPEC, "spec");
        keys(map(spec.get("scaleTargetRef"), "spec.scaleTargetRef").keySet(), SCALE_TARGET_REF, "spec.scaleTargetRef");
        if (spec.containsKey("advanced")) {
            Map<String, Object> advanced = map(spec.get("advanced"), "spec.advanced");
            keys(advanced.keySet(), ADVANCED, "spec.advanced");
            if (advanced.containsKey("horizontalPodAutoscalerConfig")) {
                checkHpaConfig(map(advanced.get("horizontalPodAutoscalerConfig"), "horizontalPodAutoscalerConfig"));
            }
        }
        Object triggers = spec.get("triggers");
        if (!(triggers instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("spec.triggers: a non-empty list is required");
        }
        for (Object t : list) {
            Map<String, Object> trigger = map(t, "spec.triggers[]");
            keys(trigger.keySet(), TRIGGER, "spec.triggers[]");
            if ("prometheus".equals(trigger.get("type"))) {
                Map<String, Object> metadata = map(trigger.get("metadata"), "spec.triggers[].metadata");
                keys(metadata.keySet(), PROMETHEUS_METADATA, "spec.triggers[].metadata");
                for (Map.Entry<String, Object> e : metadata.entrySet()) {
                    if (!(e.getValue() instanceof String)) {  // KEDA's metadata is map[string]string
                        throw new IllegalArgumentException("spec.triggers[].metadata." + e.getKey() + " must be a string");
                    }
                }
            }
        }
    }

    private static void checkHpaConfig(Map<String, Object> config) {
        keys(config.keySet(), HPA_CONFIG, "horizontalPodAutoscalerConfig");
        if (!config.containsKey("behavior")) {
            return;
        }
        Map<String, Object> behavior = map(config.get("behavior"), "behavior");
        keys(behavior.keySet(), BEHAVIOR, "behavior");
        for (Map.Entry<String, Object> direction : behavior.entrySet()) {
            Map<String, Object> rules = map(direction.getValue(), "behavior." + direction.getKey());
            keys(rules.keySet(), SCALING_RULES, "behavior." + direction.getKey());
            if (rules.get("policies") instanceof List<?> policies) {
                for (Object p : policies) {
                    keys(map(p, "policies[]").keySet(), POLICY, "behavior." + direction.getKey() + ".policies[]");
                }
            }
        }
    }

    private static void keys(Set<String> present, Set<String> known, String where) {
        Set<String> unknown = new TreeSet<>(present);
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("ScaledObject " + where + ": unknown fields " + unknown);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String where) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("ScaledObject " + where + ": expected an object, got " + value);
        }
        return (Map<String, Object>) value;
    }
}
