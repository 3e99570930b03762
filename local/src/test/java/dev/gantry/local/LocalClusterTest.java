package dev.gantry.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.gantry.checkpoint.CheckpointStore;
import dev.gantry.client.ClusterView;
import dev.gantry.client.ExperimentClient;
import dev.gantry.cluster.ClusterLayout;
import dev.gantry.data.FashionMnist;
import dev.gantry.data.LabeledImages;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.proto.v1.CheckpointEvent;
import dev.gantry.proto.v1.EvaluationResult;
import dev.gantry.proto.v1.RungResult;
import dev.gantry.proto.v1.TaskFailure;
import dev.gantry.proto.v1.TrainingTask;
import dev.gantry.proto.v1.TrialState;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecException;
import dev.gantry.spec.SpecLoader;
import dev.gantry.storage.S3Settings;
import dev.gantry.storage.Stores;
import dev.gantry.testing.TinySpecs;
import dev.gantry.testing.cluster.Awaits;
import dev.gantry.training.CheckpointCodec;
import dev.gantry.training.StateHash;
import dev.gantry.training.Trainer;
import dev.gantry.training.TrainingState;
import dev.gantry.transport.Messages;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.TopicReplay;
import dev.gantry.transport.Topics;
import dev.gantry.transport.TrialPhases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distributed runtime end to end on one machine: a real KRaft broker, the real S3Mock
 * server, and the coordinator and workers as separate JVMs, training on real Fashion-MNIST.
 */
class LocalClusterTest {
    private static final Duration LIMIT = Duration.ofMinutes(6);

    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static ClusterView view;
    static ExperimentClient client;
    static Awaits await;

    @BeforeAll
    static void start() throws Exception {
        // A small fmnist-cnn-v1 (1 epoch on 3,000 images) keeps evaluation quick; its accuracy is irrelevant here.
        LabeledImages train = FashionMnist.load(null, "train", 32, dir.resolve("dl")).head(3000);
        LabeledImages test = FashionMnist.load(null, "test", 32, dir.resolve("dl")).head(500);
        FashionFeatureNet.train(train, test, 1, 0, dir.resolve("featurenet"), s -> { });
        cluster = LocalCluster.start(new LocalCluster.Options(dir.resolve("cluster"), true, 2, dir.resolve("featurenet"),
                dir.resolve("cache"), 3000, List.of("-Xmx1g"), 0));
        cluster.addTrainWorker();
        cluster.addTrainWorker();
        cluster.addEvalWorker();
        view = new ClusterView(cluster.kafka());
        client = new ExperimentClient(cluster.kafka());
        await = new Awaits(new LocalClusterUnderTest(cluster), view, LIMIT);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (view != null) {
            view.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * Every process serves Prometheus text that promtool accepts, with the numbers an operator
     * needs; the evaluation policy's set metrics reach the results with the features kept.
     */
    @Test
    void everyProcessServesMetricsAndEvaluationsCarryTheSetMetrics() throws Exception {
        String id = client.submit(TinySpecs.cluster("observed", 4, 4, 8, """
                segmentSteps: 2
                evaluation: {finalStep: true, samplesPerClass: 10, metrics: [kid, pr, dc]}
                """), "observed.yaml", null);
        TrialState t = await.finished(id, 1).get(0);
        assertEquals(TrialState.Phase.DONE, t.getPhase(), t.toString());
        EvaluationResult r = view.results(t.getTrial().getTrialId()).get(0);
        for (String m : List.of("kid", "kid_std", "intra_kid", "precision", "recall", "density", "coverage")) {
            assertTrue(r.getMetricsMap().containsKey(m) && Double.isFinite(r.getMetricsMap().get(m)), m + " in " + r);
        }
        assertEquals(10, r.getPerClassKidCount());
        assertTrue(r.getMetricSettings().startsWith("kid:subsets=100,size=100,"), r.getMetricSettings());
        try (Stores stores = stores()) {
            Stores.Location features = stores.locate(r.getFeaturesUri());
            String key = features.keyPrefix().substring(0, features.keyPrefix().length() - 1);  // a file, not a prefix
            assertTrue(features.store().get(key).map(b -> b.length > 128).orElse(false),
                    "generated features kept at " + r.getFeaturesUri());
        }
        // Other tests of this class kill, add and fence processes: every process alive now has a port.
        Map<String, Integer> ports = cluster.metricsPorts();
        List<String> alive = cluster.processNames().stream().filter(n -> !cluster.exited().containsKey(n)).toList();
        assertTrue(ports.keySet().containsAll(alive), "ports " + ports + " for processes " + alive);
        Map<String, String> scraped = new java.util.TreeMap<>();
        for (String name : alive) {
            String text = scrape(ports.get(name));
            Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
            try (var in = promtool.getOutputStream()) {
                in.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            String lint = new String(promtool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, promtool.waitFor(), name + ": promtool check metrics: " + lint);
            assertTrue(text.contains("jvm_memory_used_bytes") && text.contains("gantry_native_memory_bytes "), name);
            scraped.put(name, text);
        }
        String coordinator = scraped.get("coordinator");
        assertTrue(coordinator.contains("gantry_tasks_backlog{kind=\"training\"}"), coordinator);
        assertTrue(value(coordinator, "gantry_trials{state=\"done\"}") >= 1, coordinator);
        assertTrue(value(coordinator, "gantry_coordinator_decisions_total") > 0, coordinator);
        List<String> trainers = alive.stream().filter(n -> n.startsWith("train-")).toList();
        List<String> evaluators = alive.stream().filter(n -> n.startsWith("eval-")).toList();
        assertFalse(trainers.isEmpty() || evaluators.isEmpty(), "alive: " + alive);
        double steps = trainers.stream().mapToDouble(n -> value(scraped.get(n), "gantry_training_steps_total")).sum();
        assertTrue(steps >= 4, "steps trained by the live training workers: " + steps);
        assertTrue(trainers.stream().allMatch(n -> scraped.get(n).contains("gantry_selftest_passed{check=")), trainers.toString());
        assertTrue(evaluators.stream().mapToDouble(n -> value(scraped.get(n), "gantry_evaluation_latency_seconds_count"))
                .sum() >= 1, evaluators.toString());
        // The shipped Grafana dashboard asks only for series some process serves.
        Path repo = Path.of(System.getProperty("gantry.repo"));
        String dashboard = Files.readString(repo.resolve("deploy/grafana/dashboards/gantry.json"));
        String all = String.join("\n", scraped.values());
        java.util.regex.Matcher names = java.util.regex.Pattern.compile("(gantry_[a-z_]+|jvm_[a-z_]+)").matcher(dashboard);
        while (names.find()) {
            if (names.group(1).equals("gantry_trial_latest_fid")) {
                continue;  // only while a trial runs, and these have finished: CoordinatorMetricsTest covers it
            }
            assertTrue(all.contains(names.group(1)), "the dashboard's " + names.group(1) + " is served by no process");
        }
    }

    private static String scrape(int port) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    /** The value of a sample line "NAME VALUE" (0 when absent). */
    private static double value(String text, String sample) {
        for (String line : text.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    @Test
    void twoTrialsTrainOnTwoWorkersAndGetEvaluated() {
        String id = client.submit(TinySpecs.cluster("two", 6, 4, 8, """
                seeds: [1, 2]
                segmentSteps: 2
                evaluation: {everySteps: 4, finalStep: true, samplesPerClass: 10}
                retention: {keepLatest: 1}
                """), "two.yaml", null);
        List<TrialState> trials = await.finished(id, 2);
        for (TrialState t : trials) {
            assertEquals(TrialState.Phase.DONE, t.getPhase(), t.toString());
            assertEquals(6, t.getStep());
            List<EvaluationResult> results = view.results(t.getTrial().getTrialId());
            assertEquals(List.of(4L, 6L), results.stream().map(EvaluationResult::getStep).toList());
            for (EvaluationResult r : results) {
                assertTrue(Double.isFinite(r.getFid()) && r.getFid() > 0, "fid " + r.getFid());
                assertTrue(Double.isFinite(r.getIntraFid()) && r.getIntraFid() > 0, "intra-fid " + r.getIntraFid());
                assertEquals(10, r.getPerClassFidCount());
                assertEquals("fid[fmnist-cnn-v1]/test/n=10/seed=0", r.getMetricDefinition());
            }
            assertEquals(6, t.getLatestFidStep());
            // retention: the latest (6) and the best by FID stay; step 2 is gone, its manifest first
            List<Long> kept = t.getKeptList().stream().map(c -> c.getStep()).toList();
            assertTrue(kept.contains(6L) && kept.size() <= 2, "kept " + kept);
            assertFalse(committed(t, 2), "step 2 removed by retention");
            assertTrue(committed(t, 6));
        }
        try (Stores stores = stores()) {
            Stores.Location stats = stores.locate(cluster.storeRoot() + "stats/");
            List<String> shared = stats.store().list(stats.keyPrefix());
            assertTrue(shared.stream().anyMatch(k -> k.endsWith("/all.npz"))
                    && shared.stream().filter(k -> k.contains("/class-")).count() == 10,
                    "reference statistics shared in the store for every eval worker: " + shared);
        }
        assertEquals(Map.of(), cluster.exited(), "no process died");
    }

    @Test
    void aWorkerKilledMidSegmentLosesOnlyItsSegmentAndTheResultIsBitwiseTheSame() throws Exception {
        String yaml = TinySpecs.cluster("killed", 24, 8, 32, """
                segmentSteps: 12
                evaluation: {finalStep: false}
                """);
        String id = client.submit(yaml, "killed.yaml", null);
        String trialId = id + "-t000";
        long deadline = System.nanoTime() + LIMIT.toNanos();
        String victim = null;
        while (victim == null && System.nanoTime() < deadline) {
            var p = view.poll(Duration.ofMillis(200)).progress(trialId);
            if (p.isPresent() && p.get().getStep() > 12 && p.get().getStep() < 24) {
                victim = p.get().getWorkerId();  // in the second segment, a few steps done
            }
        }
        assertTrue(victim != null, "no progress report from the second segment");
        cluster.kill(victim);
        cluster.addTrainWorker();
        TrialState done = await.finished(id, 1).get(0);
        assertEquals(TrialState.Phase.DONE, done.getPhase(), done.toString());

        String uninterrupted;
        ExperimentSpec spec = SpecLoader.parse(yaml, "killed.yaml");
        LabeledImages data = FashionMnist.load(null, "train", 32, dir.resolve("dl"));
        try (NDManager m = NDManager.newBaseManager();
                TrainingState state = new TrainingState(spec, yaml, spec.model().resolve(1, 10), data.classNames(), m)) {
            Trainer trainer = new Trainer(state, data);
            for (int i = 0; i < 24; i++) {
                trainer.step();
            }
            uninterrupted = StateHash.of(state);
        }
        assertEquals(uninterrupted, hashOf(done.getLatest().getUri()),
                "a killed worker's segment, redone elsewhere, gives the same bits as one straight run");
    }

    /** A forged task pointing outside the store root is refused with a failure naming the field; nothing is written there. */
    @Test
    void aTaskNamingAPlaceOutsideTheStoreRootsIsRefused() throws Exception {
        Path outside = dir.resolve("outside");
        String id = client.submit(TinySpecs.cluster("honest", 2, 4, 8, "evaluation: {finalStep: false}\n"), "h.yaml", null);
        await.finished(id, 1);
        TrainingTask honest = tasksOf(id + "-t000").get(0);
        TrainingTask forged = honest.toBuilder().setTaskId("forged@0-2")
                .setTrial(honest.getTrial().toBuilder().setTrialId("forged-t000"))
                .setCheckpointUriPrefix(outside.toAbsolutePath() + "/").build();
        try (Publisher publisher = new Publisher(cluster.kafka(), "test")) {
            publisher.sendAndWait(Topics.TRAINING_TASKS, "forged-t000", forged);
        }
        TaskFailure failure = awaitFailure("forged@0-2");
        assertTrue(failure.getReason().contains("checkpoint_uri_prefix") && failure.getReason().contains("outside"),
                failure.getReason());
        assertEquals(TaskFailure.Kind.BAD_TASK, failure.getKind());
        assertTrue(!Files.exists(outside), "nothing written outside the store root");
        assertEquals(TrialState.Phase.DONE, view.catchUp().trial(id + "-t000").orElseThrow().getPhase(),
                "the honest trial is untouched");
    }

    private static TaskFailure awaitFailure(String taskId) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            List<TaskFailure> found = new ArrayList<>();
            TopicReplay.replay(cluster.kafka(), "test-failures", List.of(Topics.TASK_FAILURES), r -> {
                try {
                    TaskFailure f = Messages.decode(r, TaskFailure.parser(), "TaskFailure");
                    if (f.getTaskId().equals(taskId)) {
                        found.add(f);
                    }
                } catch (RuntimeException malformed) {
                    // other tests put garbage on this topic
                }
            });
            if (!found.isEmpty()) {
                return found.get(0);
            }
            view.poll(Duration.ofMillis(500));  // the pause between replays
        }
        throw new AssertionError("no failure published for " + taskId);
    }

    @Test
    void aTaskDeliveredTwiceCommitsOneCheckpoint() throws Exception {
        String id = client.submit(TinySpecs.cluster("dup", 4, 4, 8, "segmentSteps: 2\nevaluation: {finalStep: false}\n"),
                "dup.yaml", null);
        TrialState done = await.finished(id, 1).get(0);
        TrainingTask first = tasksOf(id + "-t000").get(0);
        String manifestBefore = manifestOf(first, done);
        try (Publisher publisher = new Publisher(cluster.kafka(), "test")) {
            publisher.sendAndWait(Topics.TRAINING_TASKS, first.getTrial().getTrialId(), first);
            publisher.sendAndWait(Topics.TRAINING_TASKS, first.getTrial().getTrialId(), first);
        }
        List<CheckpointEvent> announcements = awaitEvents(first.getTaskId(), 3);
        assertEquals(1, announcements.stream().filter(e -> !e.getAlreadyCommitted()).count(), announcements.toString());
        assertTrue(announcements.stream().map(e -> e.getCheckpoint().getManifestSha256()).distinct().count() == 1,
                "every announcement names the one committed manifest");
        assertEquals(manifestBefore, manifestOf(first, done));
        TrialState after = view.catchUp().trial(done.getTrial().getTrialId()).orElseThrow();
        assertEquals(done.getStep(), after.getStep());
        assertEquals(TrialState.Phase.DONE, after.getPhase(), "duplicates leave the finished trial alone");
    }

    @Test
    void aKilledCoordinatorIsRestartedAndTheExperimentCarriesOn() throws Exception {
        String id = client.submit(TinySpecs.cluster("restart", 8, 4, 8, "segmentSteps: 2\nevaluation: {finalStep: false}\n"),
                "restart.yaml", null);
        await.trial(id + "-t000", t -> t.getStep() >= 2);
        cluster.kill("coordinator");
        cluster.startCoordinator();
        TrialState done = await.finished(id, 1).get(0);
        assertEquals(TrialState.Phase.DONE, done.getPhase(), done.toString());
        assertEquals(8, done.getStep());
    }

    /**
     * ASHA through the real runtime, with the coordinator killed after the first rung decision: every
     * decision is recorded once (the results seen at a rung count 1, 2, ..., n, none lost or doubled by
     * the restart), each matches the rule (rank among the values seen before it, top max(1, n/eta)
     * continue), stopped trials stop at their rung, and promoted ones go on.
     */
    @Test
    void anAshaSearchDecidesEachRungOnceAcrossACoordinatorKill() throws Exception {
        int eta = 2;
        String id = client.submit(TinySpecs.cluster("asha", 8, 4, 8, """
                segmentSteps: 2
                evaluation: {finalStep: true, samplesPerClass: 10}
                search:
                  kind: asha
                  samples: 4
                  seed: 3
                  minSteps: 2
                  eta: %d
                  space: {training.lrG: {loguniform: [1.0e-5, 1.0e-3]}}
                """.formatted(eta)), "asha.yaml", null);
        await.trial(id + "-t000", t -> t.getRungsCount() >= 1 || TrialPhases.isFinished(t.getPhase()));
        cluster.kill("coordinator");
        cluster.startCoordinator();
        List<TrialState> trials = await.finished(id, 4);
        Map<Long, List<RungResult>> byRung = new java.util.TreeMap<>();
        for (TrialState t : trials) {
            t.getRungsList().forEach(r -> byRung.computeIfAbsent(r.getStep(), k -> new ArrayList<>()).add(r));
            RungResult last = t.getRungs(t.getRungsCount() - 1);
            if (t.getPhase() == TrialState.Phase.STOPPED) {
                assertFalse(last.getPromoted(), t.toString());
                assertEquals(last.getStep(), t.getStep(), "a stopped trial trained no further than its rung");
                assertTrue(t.getRungsList().subList(0, t.getRungsCount() - 1).stream().allMatch(RungResult::getPromoted));
            } else {
                assertEquals(TrialState.Phase.DONE, t.getPhase(), t.toString());
                assertEquals(8, t.getStep());
                assertEquals(List.of(2L, 4L), t.getRungsList().stream().map(RungResult::getStep).toList());
                assertTrue(t.getRungsList().stream().allMatch(RungResult::getPromoted), t.getRungsList().toString());
            }
        }
        assertEquals(4, byRung.get(2L).size(), "every trial decided at the first rung");
        byRung.forEach((step, decided) -> {
            decided.sort(java.util.Comparator.comparingInt(RungResult::getSeen));
            for (int i = 0; i < decided.size(); i++) {
                RungResult r = decided.get(i);
                assertEquals(i + 1, r.getSeen(), "rung " + step + ": each result seen once, in order: " + decided);
                int better = (int) decided.subList(0, i).stream().filter(o -> o.getValue() < r.getValue()).count();
                assertEquals(better + 1, r.getRank(), "rank among the results seen before it: " + decided);
                assertEquals(r.getRank() <= Math.max(1, r.getSeen() / eta), r.getPromoted(), r.toString());
            }
        });
        assertEquals(Map.of(), cluster.exited(), "no process died");
    }

    /**
     * PBT through the real runtime, with the coordinator killed after the first decision: every
     * population slot ends with one finished member, each member decided once per interval, and each
     * exploit's child continues the winner's checkpoint at that step in the loser's slot.
     */
    @Test
    void aPbtPopulationKeepsItsSlotsAndRecordsEachExploitAcrossACoordinatorKill() throws Exception {
        String id = client.submit(TinySpecs.cluster("pbt", 6, 4, 8, """
                segmentSteps: 2
                evaluation: {finalStep: true, samplesPerClass: 10}
                search:
                  kind: pbt
                  population: 4
                  seed: 5
                  interval: 2
                  quantile: 0.25
                  space: {training.lrG: {loguniform: [1.0e-5, 1.0e-3]}}
                  mutations: {training.lrG: {perturb: [0.8, 1.2]}}
                """), "pbt.yaml", null);
        await.experiment(id, ts -> ts.stream().anyMatch(t -> t.getPbtCount() > 0));
        cluster.kill("coordinator");
        cluster.startCoordinator();
        List<TrialState> trials = await.experiment(id, ts -> ts.stream().allMatch(ClusterView::finished)
                && ts.stream().filter(t -> t.getPhase() == TrialState.Phase.DONE).count() == 4);
        Map<String, TrialState> byId = new java.util.HashMap<>();
        trials.forEach(t -> byId.put(t.getTrial().getTrialId(), t));
        System.out.println("pbt: " + trials.size() + " trials; exploits: " + trials.stream()
                .filter(t -> t.getPhase() == TrialState.Phase.STOPPED).map(t -> t.getTrial().getTrialId() + " -> "
                        + t.getPbt(t.getPbtCount() - 1).getChildTrialId()).toList());
        assertEquals(java.util.Set.of(0, 1, 2, 3), trials.stream().filter(t -> t.getPhase() == TrialState.Phase.DONE)
                .map(TrialState::getPbtMember).collect(java.util.stream.Collectors.toSet()), "one finished member per slot");
        for (TrialState t : trials) {
            assertEquals(t.getPbtCount(), t.getPbtList().stream().map(d -> d.getStep()).distinct().count(),
                    "one decision per interval step: " + t.getPbtList());
            if (t.getPhase() == TrialState.Phase.STOPPED) {
                var exploit = t.getPbt(t.getPbtCount() - 1);
                assertTrue(exploit.getExploited(), t.toString());
                TrialState child = byId.get(exploit.getChildTrialId());
                assertTrue(child != null, "the child " + exploit.getChildTrialId() + " exists");
                assertEquals(t.getPbtMember(), child.getPbtMember(), "the child takes over the loser's slot");
                var link = child.getLineage(child.getLineageCount() - 1);
                assertEquals(exploit.getWinnerTrialId(), link.getParentTrialId());
                assertEquals(exploit.getStep(), link.getFromStep());
            } else {
                assertEquals(TrialState.Phase.DONE, t.getPhase(), t.toString());
                assertEquals(6, t.getStep());
            }
        }
        assertEquals(Map.of(), cluster.exited(), "no process died");
    }

    @Test
    void malformedSpecsAndMessagesGetClearErrorsAndChangeNothing() throws Exception {
        SpecException e = assertThrows(SpecException.class, () -> client.submit(
                TinySpecs.cluster("bad", 4, 4, 8, "segmentSteps: 0\n"), "bad.yaml", null));
        assertTrue(String.join("\n", e.problems()).contains("bad.yaml:10: experiment.segmentSteps: must be at least 1"),
                e.problems().toString());
        long commandsBefore = endOffset(Topics.EXPERIMENT_COMMANDS);
        assertThrows(SpecException.class, () -> client.submit("name: [", "broken.yaml", null));
        assertEquals(commandsBefore, endOffset(Topics.EXPERIMENT_COMMANDS), "nothing reached Kafka");

        view.catchUp();
        List<TrialState> before = view.trials(t -> true);
        try (Publisher publisher = new Publisher(cluster.kafka(), "test")) {
            byte[] garbage = {(byte) 0xff, 0x13, 0x37, 0x00, (byte) 0x80};
            for (String topic : List.of(Topics.EXPERIMENT_COMMANDS, Topics.CHECKPOINT_EVENTS, Topics.TRAINING_TASKS,
                    Topics.EVAL_RESULTS, Topics.TASK_FAILURES, Topics.WORKER_PROGRESS)) {
                publisher.sendBytes(topic, "garbage", garbage).get();
            }
        }
        // The cluster still works after the garbage, and the garbage changed no trial.
        String id = client.submit(TinySpecs.cluster("after-garbage", 2, 4, 8, "evaluation: {finalStep: false}\n"), "ok.yaml", null);
        assertEquals(TrialState.Phase.DONE, await.finished(id, 1).get(0).getPhase());
        for (TrialState t : before) {
            TrialState now = view.trial(t.getTrial().getTrialId()).orElseThrow();
            assertEquals(t.getStep(), now.getStep());
            assertEquals(t.getPhase() == TrialState.Phase.DONE, now.getPhase() == TrialState.Phase.DONE);
        }
        assertTrue(view.problems().stream().anyMatch(p -> p.startsWith(Topics.WORKER_PROGRESS) && p.contains("not a gantry.v1")),
                view.problems().toString());
        assertEquals(Map.of(), cluster.exited(), "malformed records crash no process");
    }

    @Test
    void aTaskThatCannotSucceedIsParkedAndItsTrialFails() {
        String yaml = TinySpecs.cluster("unreadable", 4, 4, 8, "evaluation: {finalStep: false}").replace(
                "dataset: {kind: fashion-mnist}", "dataset: {kind: image-folder, path: /nonexistent/gantry-images}");
        String id = client.submit(yaml, "unreadable.yaml", null);
        TrialState t = await.finished(id, 1).get(0);
        assertEquals(TrialState.Phase.FAILED, t.getPhase(), t.toString());
        assertTrue(t.getFailureReason().contains("/nonexistent/gantry-images"), t.getFailureReason());
        assertEquals(0, t.getStep(), "nothing was committed");
        assertEquals(Map.of(), cluster.exited(), "the worker parked the task and lives on");
    }

    // ---- helpers ----

    /** Share groups give each partition to one member while members are no more than partitions. */
    @Test
    void workQueuesHaveOnePartitionSoAnyFreeWorkerTakesTheNextTask() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                cluster.kafka().properties(Map.of()))) {
            var topics = admin.describeTopics(Topics.ALL).allTopicNames().get();
            for (String queue : Topics.WORK_QUEUES) {
                assertEquals(1, topics.get(queue).partitions().size(), queue);
            }
            assertEquals(2, topics.get(Topics.TRIAL_STATE).partitions().size(), "--partitions for the others");
        }
    }

    /** Both training workers busy with 1,000,000-step segments (hours here); cancelling must stop them mid-segment. */
    @Test
    void cancellingAnExperimentStopsItsSegmentsInFlight() throws Exception {
        String id = client.submit(TinySpecs.cluster("cancelled", 1_000_000, 4, 8, """
                seeds: [1, 2]
                segmentSteps: 1000000
                evaluation: {finalStep: false}
                """), "cancelled.yaml", null);
        Map<String, String> workerOf = new java.util.HashMap<>();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (workerOf.size() < 2 && System.nanoTime() < deadline) {
            view.poll(Duration.ofMillis(200));
            for (String trial : List.of(id + "-t000", id + "-t001")) {
                view.progress(trial).ifPresent(p -> workerOf.put(trial, p.getWorkerId()));
            }
        }
        assertEquals(2, workerOf.size(), "both trials training: " + workerOf);
        client.cancel(id, "test: cancel in flight");
        for (Map.Entry<String, String> e : workerOf.entrySet()) {
            await.trial(e.getKey(), t -> t.getPhase() == TrialState.Phase.CANCELLED);
            await.logLine(e.getValue(), "trial " + e.getKey() + " cancelled; stopped at step");
        }
        List<String> committed = new ArrayList<>();
        TopicReplay.replay(cluster.kafka(), "test-reader", List.of(Topics.CHECKPOINT_EVENTS), r -> {
            if (r.key() != null && r.key().startsWith(id)) {
                committed.add(Messages.decode(r, CheckpointEvent.parser(), "CheckpointEvent").getCheckpoint().getUri());
            }
        });
        assertEquals(List.of(), committed, "a stopped segment commits nothing");
        String after = client.submit(TinySpecs.cluster("after-cancel", 2, 4, 8, "evaluation: {finalStep: false}\n"), "after.yaml", null);
        assertEquals(TrialState.Phase.DONE, await.finished(after, 1).get(0).getPhase(), "the workers take new tasks");
    }

    /**
     * A second coordinator fences the first through the transactional id: the first exits at its
     * next commit, nothing it decided after that appears, and no trial state moves backwards.
     */
    @Test
    void aSecondCoordinatorFencesTheFirstAndNoStateMovesBackwards() throws Exception {
        String id = client.submit(TinySpecs.cluster("fenced", 12, 4, 8, "segmentSteps: 2\nevaluation: {finalStep: false}\n"),
                "fenced.yaml", null);
        await.trial(id + "-t000", t -> t.getStep() >= 2);
        String second = "coordinator-" + System.nanoTime();
        cluster.startCoordinator(second);
        String first = cluster.processNames().stream().filter(n -> n.startsWith("coordinator") && !n.equals(second))
                .findFirst().orElseThrow();
        assertEquals(4, cluster.awaitExit(first, LIMIT), "the fenced coordinator exits with status 4");
        await.logLine(first, "took over");
        assertEquals(TrialState.Phase.DONE, await.finished(id, 1).get(0).getPhase());
        List<Long> steps = new ArrayList<>();
        TopicReplay.replay(cluster.kafka(), "test-fence-reader", List.of(Topics.TRIAL_STATE), r -> {
            if (r.key() != null && r.key().startsWith(id + "-t")) {
                steps.add(Messages.decode(r, TrialState.parser(), "TrialState").getStep());
            }
        });
        for (int i = 1; i < steps.size(); i++) {
            assertTrue(steps.get(i) >= steps.get(i - 1), "trial-state moved backwards: " + steps);
        }
        cluster.kill(second);
        cluster.startCoordinator();  // the usual name again, for the other tests
    }

    /** docker stop / Kubernetes: SIGTERM hands the task in flight back at once and closes cleanly. */
    @Test
    void aWorkerStoppedWithSigtermHandsItsTaskBack() throws Exception {
        String id = client.submit(TinySpecs.cluster("sigterm", 1_000_000, 4, 8, """
                segmentSteps: 1000000
                evaluation: {finalStep: false}
                """), "sigterm.yaml", null);
        String worker = await.progress(id + "-t000", p -> p.getStep() > 0).getWorkerId();
        assertEquals(143, cluster.stop(worker), "the JVM's status after SIGTERM");
        await.logLine(worker, "stopping: handing back");
        String other = await.progress(id + "-t000", p -> !p.getWorkerId().equals(worker)).getWorkerId();
        assertTrue(!other.equals(worker), "another worker took the segment");
        client.cancel(id, "test: done");
        await.trial(id + "-t000", t -> t.getPhase() == TrialState.Phase.CANCELLED);
        cluster.addTrainWorker();  // two training workers again for the other tests
    }


    private static Stores stores() {
        return new Stores(cluster.s3().orElse(S3Settings.fromEnvironment()));
    }

    private static boolean committed(TrialState t, long step) {
        try (Stores stores = stores()) {
            Stores.Location at = stores.locate(ClusterLayout.checkpointUri(t.getSettings().getCheckpointRoot(),
                    t.getTrial().getTrialId(), step));
            return new CheckpointStore(at.store()).exists(at.keyPrefix());
        }
    }

    private static String hashOf(String uri) {
        try (Stores stores = stores(); NDManager m = NDManager.newBaseManager()) {
            Stores.Location at = stores.locate(uri);
            try (TrainingState state = CheckpointCodec.decode(new CheckpointStore(at.store()).read(at.keyPrefix()), m, uri)) {
                return StateHash.of(state);
            }
        }
    }

    private static String manifestOf(TrainingTask task, TrialState t) {
        try (Stores stores = stores()) {
            Stores.Location at = stores.locate(t.getSettings().getCheckpointRoot() + t.getTrial().getTrialId()
                    + String.format("/step-%08d/", task.getToStep()));
            return new String(at.store().get(at.keyPrefix() + "MANIFEST.json").orElseThrow());
        }
    }

    private static KafkaConsumer<String, byte[]> reader(String topic) {
        return TopicReplay.fromBeginning(cluster.kafka(), "test-reader", List.of(topic));
    }

    private static long endOffset(String topic) {
        try (KafkaConsumer<String, byte[]> c = reader(topic)) {
            return c.endOffsets(c.assignment()).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static List<TrainingTask> tasksOf(String trialId) {
        List<TrainingTask> tasks = new ArrayList<>();
        TopicReplay.replay(cluster.kafka(), "test-reader", List.of(Topics.TRAINING_TASKS), r -> {
            if (trialId.equals(r.key())) {  // (other tests put malformed records on the topics)
                tasks.add(Messages.decode(r, TrainingTask.parser(), "TrainingTask"));
            }
        });
        tasks.sort((a, b) -> Long.compare(a.getFromStep(), b.getFromStep()));
        return tasks;
    }

    private static List<CheckpointEvent> awaitEvents(String taskId, int count) throws Exception {
        List<CheckpointEvent> events = new ArrayList<>();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        try (KafkaConsumer<String, byte[]> c = reader(Topics.CHECKPOINT_EVENTS)) {
            while (events.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.key() != null && taskId.startsWith(r.key() + "@")) {  // skips other tests' malformed records
                        CheckpointEvent e = CheckpointEvent.parseFrom(r.value());
                        if (e.getTaskId().equals(taskId)) {
                            events.add(e);
                        }
                    }
                }
            }
        }
        assertEquals(count, events.size(), "announcements of " + taskId);
        return events;
    }
}
