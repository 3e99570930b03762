package dev.gantry.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** One overlay as {@code kubectl kustomize} renders it, parsed strictly, with the lookups the checks need. */
record Rendered(String overlay, List<HasMetadata> objects) {
    static final String COMPONENT = "app.kubernetes.io/component";

    static Rendered of(Kustomize kustomize, Path overlayDir) {
        return new Rendered(overlayDir.getFileName().toString(), StrictModel.parseAll(kustomize.render(overlayDir)));
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<Deployment> deployments() {
        return all(Deployment.class);
    }

    /** gantry's Deployments of one component (coordinator, train-worker, eval-worker). */
    List<Deployment> component(String component) {
        return deployments().stream()
                .filter(d -> component.equals(d.getMetadata().getLabels() == null ? null : d.getMetadata().getLabels().get(COMPONENT)))
                .toList();
    }

    Deployment onlyDeployment(String component) {
        List<Deployment> found = component(component);
        if (found.size() != 1) {
            throw new AssertionError(overlay + ": expected one " + component + " Deployment, found " + found.size());
        }
        return found.get(0);
    }

    List<GenericKubernetesResource> scaledObjects() {
        return all(GenericKubernetesResource.class).stream().filter(r -> "ScaledObject".equals(r.getKind())).toList();
    }

    /** Every pod this overlay would run, named "Kind/name". */
    Map<String, PodSpec> podSpecs() {
        Map<String, PodSpec> pods = new TreeMap<>();
        deployments().forEach(d -> pods.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate().getSpec()));
        all(Job.class).forEach(j -> pods.put("Job/" + j.getMetadata().getName(), j.getSpec().getTemplate().getSpec()));
        return pods;
    }

    /** Containers and init containers of a pod. */
    static List<Container> containers(PodSpec pod) {
        List<Container> all = new ArrayList<>(pod.getContainers());
        if (pod.getInitContainers() != null) {
            all.addAll(pod.getInitContainers());
        }
        return all;
    }

    Stream<Map.Entry<String, Container>> allContainers() {
        return podSpecs().entrySet().stream()
                .flatMap(pod -> containers(pod.getValue()).stream().map(c -> Map.entry(pod.getKey() + "/" + c.getName(), c)));
    }

    @Override
    public String toString() {
        return overlay;
    }
}
