package dev.gantry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The setup Job creates with Kafka's tools what TopicSetup creates at coordinator start: the same
 * topics, one partition for the work queues, the same delivery limit.
 */
class SetupJobTest {
    private static final Pattern TOPIC = Pattern.compile("gantry\\.v\\d+\\.[a-z-]+");

    @Test
    void createsEveryTopicOfTopicsJavaAndNoOther() throws IOException {
        assertEquals(new TreeSet<>(ProductSources.topics()), topicsIn(script()));
    }

    @Test
    void workQueuesGetOnePartition() throws IOException {
        String script = script();
        Matcher line = Pattern.compile("for topic in ([^;]+); do\\s+create \"\\$topic\" 1 ").matcher(script);
        assertTrue(line.find(), "a loop creating the work queues with one partition");
        assertEquals(new TreeSet<>(ProductSources.workQueues()), topicsIn(line.group(1)));
    }

    @Test
    void shareGroupsGetTopicSetupsDeliveryLimit() throws IOException {
        assertTrue(script().contains("share.delivery.count.limit=" + ProductSources.deliveryLimit() + ","),
                "share.delivery.count.limit=" + ProductSources.deliveryLimit());
    }

    @Test
    void theJobRunsBothScriptsInEveryOverlay() {
        for (String overlay : Overlays.names()) {
            List<Job> jobs = Overlays.rendered(overlay).all(Job.class);
            assertEquals(1, jobs.size(), overlay + ": one setup Job");
            List<String> commands = jobs.get(0).getSpec().getTemplate().getSpec().getContainers().stream()
                    .map(Container::getCommand).map(c -> String.join(" ", c)).toList();
            assertTrue(commands.stream().anyMatch(c -> c.endsWith("/create-topics.sh")), overlay + ": " + commands);
            assertTrue(commands.stream().anyMatch(c -> c.endsWith("/create-bucket.sh")), overlay + ": " + commands);
        }
    }

    private static Set<String> topicsIn(String text) {
        Set<String> topics = new TreeSet<>();
        Matcher m = TOPIC.matcher(text);
        while (m.find()) {
            topics.add(m.group());
        }
        return topics;
    }

    private static String script() throws IOException {
        return Files.readString(RepoPaths.k8s().resolve("base/create-topics.sh"));
    }
}
