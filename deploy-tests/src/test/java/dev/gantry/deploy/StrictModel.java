package dev.gantry.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Rendered YAML to fabric8's Kubernetes model, strictly: a field the model does not know is an
 * error. fabric8's classes keep unknown fields in an {@code additionalProperties} map through
 * {@code @JsonAnySetter}, so FAIL_ON_UNKNOWN_PROPERTIES alone would accept a misspelt
 * {@code readinesProbe}; this mapper ignores the any-setters, and the unknown field fails.
 */
final class StrictModel {
    /** Every kind the manifests may contain, and its model class; another kind is an error. */
    private static final Map<String, Class<? extends HasMetadata>> BUILT_IN = Map.of(
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "apps/v1/Deployment", Deployment.class,
            "batch/v1/Job", Job.class);
    private static final String SCALED_OBJECT = "keda.sh/v1alpha1/ScaledObject";

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final JsonMapper STRICT = JsonMapper.builder()
            .annotationIntrospector(new IgnoreAnySetters())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    /** For CRDs only: their spec is whatever the CRD says, kept as a map; {@link ScaledObjectSchema} checks it. */
    private static final JsonMapper GENERIC = JsonMapper.builder().build();

    private StrictModel() {}

    static List<HasMetadata> parseAll(String multiDocumentYaml) {
        List<HasMetadata> objects = new ArrayList<>();
        MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(multiDocumentYaml);
        for (JsonNode doc : docs.readAll()) {
            if (doc == null || doc.isNull() || doc.isEmpty()) {
                continue;
            }
            objects.add(parse(doc));
        }
        return objects;
    }

    static HasMetadata parse(JsonNode doc) {
        String type = doc.path("apiVersion").asString() + "/" + doc.path("kind").asString();
        if (type.equals(SCALED_OBJECT)) {
            STRICT.treeToValue(doc.path("metadata"), ObjectMeta.class);
            GenericKubernetesResource scaledObject = GENERIC.treeToValue(doc, GenericKubernetesResource.class);
            ScaledObjectSchema.check(scaledObject);
            return scaledObject;
        }
        Class<? extends HasMetadata> model = BUILT_IN.get(type);
        if (model == null) {
            throw new IllegalArgumentException("no model for " + type + " (" + doc.path("metadata").path("name").asString()
                    + "): add it to StrictModel.BUILT_IN so that it is checked");
        }
        return STRICT.treeToValue(doc, model);
    }

    /** Jackson's introspector, but no {@code @JsonAnySetter}: unknown fields reach FAIL_ON_UNKNOWN_PROPERTIES. */
    private static final class IgnoreAnySetters extends JacksonAnnotationIntrospector {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
            return Boolean.FALSE;
        }
    }
}
