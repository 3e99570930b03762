package dev.gantry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What every overlay must keep: the invariants of deploy/k8s/README.md, checked on the rendered objects. */
class OverlayInvariantsTest {
    /** The metrics endpoint every gantry process serves (section 1 of the issue: --metrics-port). */
    static final int METRICS_PORT = 9404;
    /** Margin between the worker's own SIGTERM grace and the kubelet's SIGKILL: JVM exit, the step in progress. */
    static final int KILL_MARGIN_SECONDS = 10;
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(SECRET|PASSWORD|JAAS|TOKEN|ACCESS_KEY).*");
    /**
     * Flags the manifests use before the binaries have them: the metrics endpoint of section 1 of
     * the issue (deploy/k8s/README.md). Remove it here once CoordinatorCommand and WorkerCommand declare it.
     */
    private static final String METRICS_OPTIONS = "common/src/main/java/dev/gantry/observability/MetricsOptions.java";
    private static final String CLUSTER_OPTIONS = "transport/src/main/java/dev/gantry/transport/ClusterOptions.java";
    private static final Pattern GANTRY_IMAGE = Pattern.compile("(.*/)?gantry(-[a-z]+)?:.*");

    static List<String> overlays() {
        return Overlays.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void rendersAndEveryObjectParsesStrictly(String overlay) {
        // Rendering and parsing happen in Overlays.rendered: a field the model does not know, a kind
        // without a model or a kustomize error fails here first, with the field or error named.
        assertFalse(Overlays.rendered(overlay).objects().isEmpty(), overlay + ": rendered nothing");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void exactlyOneCoordinatorWhichIsNeverRunBesideAnother(String overlay) {
        Deployment coordinator = Overlays.rendered(overlay).onlyDeployment("coordinator");
        assertEquals(1, coordinator.getSpec().getReplicas(), overlay + ": coordinator replicas");
        assertEquals("Recreate", coordinator.getSpec().getStrategy().getType(),
                overlay + ": a rolling update would start the new coordinator beside the old");
        assertEquals(0, Overlays.rendered(overlay).scaledObjects().stream()
                .filter(s -> targetOf(s).equals(coordinator.getMetadata().getName())).count(), "nothing scales the coordinator");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyImageIsPinnedToATag(String overlay) {
        Overlays.rendered(overlay).allContainers().forEach(e -> {
            String image = e.getValue().getImage();
            String tag = image.contains("@") ? "digest" : image.substring(image.lastIndexOf('/') + 1).replaceFirst("^[^:]*:?", "");
            assertFalse(tag.isEmpty(), overlay + " " + e.getKey() + ": image " + image + " has no tag");
            assertFalse(tag.equals("latest"), overlay + " " + e.getKey() + ": image " + image + " is 'latest'");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyPodRunsAsNonRootWithoutPrivilegeEscalation(String overlay) {
        Overlays.rendered(overlay).podSpecs().forEach((pod, spec) -> {
            PodSecurityContext podContext = spec.getSecurityContext();
            for (Container c : Rendered.containers(spec)) {
                SecurityContext own = c.getSecurityContext();
                Boolean nonRoot = own != null && own.getRunAsNonRoot() != null ? own.getRunAsNonRoot()
                        : podContext == null ? null : podContext.getRunAsNonRoot();
                Long uid = own != null && own.getRunAsUser() != null ? own.getRunAsUser()
                        : podContext == null ? null : podContext.getRunAsUser();
                String where = overlay + " " + pod + "/" + c.getName();
                assertEquals(Boolean.TRUE, nonRoot, where + ": runAsNonRoot");
                assertNotNull(uid, where + ": runAsUser (the images' default user is root)");
                assertTrue(uid > 0, where + ": runAsUser " + uid);
                assertNotNull(own, where + ": container securityContext");
                assertEquals(Boolean.FALSE, own.getAllowPrivilegeEscalation(), where + ": allowPrivilegeEscalation");
                assertTrue(own.getCapabilities() != null && own.getCapabilities().getDrop().contains("ALL"),
                        where + ": capabilities drop ALL");
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void credentialsAreOnlyReferencedNeverInlined(String overlay) {
        Rendered r = Overlays.rendered(overlay);
        assertEquals(List.of(), r.all(Secret.class).stream().map(s -> s.getMetadata().getName()).toList(),
                overlay + ": Secrets are created by the operator (or Strimzi), never rendered from the repository");
        for (ConfigMap cm : r.all(ConfigMap.class)) {
            cm.getData().forEach((key, value) -> {
                assertFalse(SECRET_NAME.matcher(key).matches(), overlay + " ConfigMap " + key + " looks like a credential");
                assertFalse(value.contains("password="), overlay + " ConfigMap " + key + " holds a password");
            });
        }
        r.allContainers().forEach(e -> {
            for (EnvVar v : envOf(e.getValue())) {
                if (SECRET_NAME.matcher(v.getName()).matches()) {
                    assertNull(v.getValue(), overlay + " " + e.getKey() + ": " + v.getName() + " inlined");
                    assertTrue(v.getValueFrom() != null && v.getValueFrom().getSecretKeyRef() != null,
                            overlay + " " + e.getKey() + ": " + v.getName() + " must come from a secretKeyRef");
                }
            }
        });
        for (String component : List.of("coordinator", "train-worker", "eval-worker")) {
            Container c = gantryContainer(r.onlyDeployment(component));
            assertSecretRef(c, "GANTRY_KAFKA_SASL_JAAS_CONFIG", "gantry-kafka-user", "sasl.jaas.config");
            assertSecretRef(c, "AWS_ACCESS_KEY_ID", "gantry-s3", "AWS_ACCESS_KEY_ID");
            assertSecretRef(c, "AWS_SECRET_ACCESS_KEY", "gantry-s3", "AWS_SECRET_ACCESS_KEY");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void longRunningContainersHaveReadinessProbesAndGantryProbesItsMetrics(String overlay) {
        for (Deployment d : Overlays.rendered(overlay).deployments()) {
            for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
                String where = overlay + " " + d.getMetadata().getName() + "/" + c.getName();
                Probe readiness = c.getReadinessProbe();
                assertNotNull(readiness, where + ": readinessProbe");
                if (GANTRY_IMAGE.matcher(c.getImage()).matches()) {
                    assertNotNull(readiness.getHttpGet(), where + ": readiness over HTTP");
                    assertEquals("/metrics", readiness.getHttpGet().getPath(), where + ": readiness path");
                    assertEquals("metrics", readiness.getHttpGet().getPort().getStrVal(), where + ": readiness port");
                    assertTrue(c.getPorts().stream().anyMatch(p -> "metrics".equals(p.getName())
                            && p.getContainerPort() == METRICS_PORT), where + ": port 'metrics' " + METRICS_PORT);
                    int flag = c.getArgs().indexOf("--metrics-port");
                    assertTrue(flag >= 0 && String.valueOf(METRICS_PORT).equals(c.getArgs().get(flag + 1)),
                            where + ": --metrics-port " + METRICS_PORT + " in " + c.getArgs());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void workersAreGivenMoreThanTheirOwnShutdownGraceBeforeTheKill(String overlay) {
        int workerGrace = ProductSources.workerShutdownGraceSeconds();
        for (String component : List.of("train-worker", "eval-worker")) {
            PodSpec pod = Overlays.rendered(overlay).onlyDeployment(component).getSpec().getTemplate().getSpec();
            assertNotNull(pod.getTerminationGracePeriodSeconds(), overlay + " " + component + ": terminationGracePeriodSeconds");
            assertTrue(pod.getTerminationGracePeriodSeconds() >= workerGrace + KILL_MARGIN_SECONDS,
                    overlay + " " + component + ": terminationGracePeriodSeconds " + pod.getTerminationGracePeriodSeconds()
                            + " < the worker's own " + workerGrace + " s + " + KILL_MARGIN_SECONDS + " s");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void gantryPodsHaveNoServiceLinksThatWouldBecomeKafkaProperties(String overlay) {
        // KafkaSettings turns every GANTRY_KAFKA_* variable into a client property; Service links
        // define <SERVICE>_PORT... variables, e.g. GANTRY_KAFKA_BOOTSTRAP_PORT for a Service gantry-kafka-bootstrap.
        Overlays.rendered(overlay).podSpecs().forEach((pod, spec) -> {
            if (Rendered.containers(spec).stream().anyMatch(c -> GANTRY_IMAGE.matcher(c.getImage()).matches()
                    || c.getName().equals("topics"))) {
                assertEquals(Boolean.FALSE, spec.getEnableServiceLinks(), overlay + " " + pod + ": enableServiceLinks");
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void kedaScalesTrainingWorkersOnTheBacklogGaugeThroughPrometheus(String overlay) {
        Rendered r = Overlays.rendered(overlay);
        Deployment trainers = r.onlyDeployment("train-worker");
        List<GenericKubernetesResource> scalers = r.scaledObjects().stream()
                .filter(s -> targetOf(s).equals(trainers.getMetadata().getName())).toList();
        assertEquals(1, scalers.size(), overlay + ": one ScaledObject for " + trainers.getMetadata().getName());
        List<Map<String, Object>> triggers = scalers.get(0).get("spec", "triggers");
        assertEquals(1, triggers.size(), overlay + ": triggers");
        assertEquals("prometheus", triggers.get(0).get("type"),
                "KEDA's kafka scaler reads consumer-group lag and stops at the partition count: not for share groups");
        @SuppressWarnings("unchecked")
        Map<String, Object> metadata = (Map<String, Object>) triggers.get(0).get("metadata");
        assertTrue(String.valueOf(metadata.get("query")).contains("gantry_tasks_backlog{kind=\"training\"}"),
                overlay + ": query " + metadata.get("query"));
        assertNull(trainers.getSpec().getReplicas(),
                overlay + ": KEDA owns the training workers' replicas; a fixed count would be reset by every apply");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void gantryArgsUseOnlyFlagsTheBinariesDeclare(String overlay) {
        Rendered r = Overlays.rendered(overlay);
        assertFlagsDeclared(overlay, r.onlyDeployment("coordinator"), CLUSTER_OPTIONS, METRICS_OPTIONS,
                "coordinator/src/main/java/dev/gantry/coordinator/CoordinatorCommand.java");
        for (String component : List.of("train-worker", "eval-worker")) {
            assertFlagsDeclared(overlay, r.onlyDeployment(component), CLUSTER_OPTIONS, METRICS_OPTIONS,
                    "worker/src/main/java/dev/gantry/worker/WorkerCommand.java");
        }
    }

    private static void assertFlagsDeclared(String overlay, Deployment d, String... sources) {
        Set<String> declared = new TreeSet<>(ProductSources.options(sources));
        for (String arg : gantryContainer(d).getArgs()) {
            if (arg.startsWith("-")) {
                assertTrue(declared.contains(arg), overlay + " " + d.getMetadata().getName() + ": " + arg
                        + " is not an option of " + String.join(", ", sources) + " " + declared);
            }
        }
    }

    static String targetOf(GenericKubernetesResource scaledObject) {
        return scaledObject.get("spec", "scaleTargetRef", "name");
    }

    static Container gantryContainer(Deployment d) {
        List<Container> gantry = d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> GANTRY_IMAGE.matcher(c.getImage()).matches()).toList();
        assertEquals(1, gantry.size(), d.getMetadata().getName() + ": one gantry container");
        return gantry.get(0);
    }

    private static List<EnvVar> envOf(Container c) {
        return c.getEnv() == null ? List.of() : c.getEnv();
    }

    private static void assertSecretRef(Container c, String variable, String secret, String key) {
        EnvVar v = envOf(c).stream().filter(e -> e.getName().equals(variable)).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + ": no " + variable));
        assertNotNull(v.getValueFrom(), variable + ": valueFrom");
        assertNotNull(v.getValueFrom().getSecretKeyRef(), variable + ": secretKeyRef");
        assertEquals(secret, v.getValueFrom().getSecretKeyRef().getName(), variable + ": Secret");
        assertEquals(key, v.getValueFrom().getSecretKeyRef().getKey(), variable + ": key");
    }
}
