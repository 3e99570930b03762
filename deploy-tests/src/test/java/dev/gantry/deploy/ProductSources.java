package dev.gantry.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values the manifests must agree with, read from the product's sources rather than copied into the
 * tests, so that changing them in the code makes these tests fail until the manifests follow.
 * (This module depends on no gantry module, to check the manifests without building the product.)
 */
final class ProductSources {
    private ProductSources() {}

    /** WorkerCommand.SHUTDOWN_GRACE_SECONDS: how long a worker's JVM waits on SIGTERM for it to hand back its task. */
    static int workerShutdownGraceSeconds() {
        return Integer.parseInt(constant("worker/src/main/java/dev/gantry/worker/WorkerCommand.java",
                "SHUTDOWN_GRACE_SECONDS\\s*=\\s*(\\d+)\\s*;"));
    }

    /** TopicSetup.DELIVERY_LIMIT: the share groups' share.delivery.count.limit. */
    static int deliveryLimit() {
        return Integer.parseInt(constant("transport/src/main/java/dev/gantry/transport/TopicSetup.java",
                "DELIVERY_LIMIT\\s*=\\s*(\\d+)\\s*;"));
    }

    /** The topic names of Topics.java. */
    static List<String> topics() {
        Matcher m = Pattern.compile("String\\s+\\w+\\s*=\\s*\"(gantry\\.v\\d+\\.[a-z-]+)\"")
                .matcher(read("transport/src/main/java/dev/gantry/transport/Topics.java"));
        List<String> topics = new ArrayList<>();
        while (m.find()) {
            topics.add(m.group(1));
        }
        if (topics.isEmpty()) {
            throw new IllegalStateException("Topics.java: no topic constants found; update ProductSources.topics");
        }
        return topics;
    }

    /** The names of Topics.WORK_QUEUES' constants resolved to topic names. */
    static List<String> workQueues() {
        String source = read("transport/src/main/java/dev/gantry/transport/Topics.java");
        String list = group(source, "WORK_QUEUES\\s*=\\s*List\\.of\\(([^)]*)\\)", "Topics.java: WORK_QUEUES");
        return Arrays.stream(list.split(",")).map(String::trim)
                .map(name -> group(source, name + "\\s*=\\s*\"([^\"]+)\"", "Topics.java: " + name))
                .toList();
    }

    /** The picocli option names declared in these source files ({@code names = "--x"} or {@code names = {"--x", "-x"}}). */
    static Set<String> options(String... files) {
        Set<String> names = new TreeSet<>();
        Pattern declaration = Pattern.compile("@Option\\(names\\s*=\\s*(\\{[^}]*\\}|\"[^\"]*\")");
        Pattern name = Pattern.compile("\"(-[^\"]+)\"");
        for (String file : files) {
            Matcher d = declaration.matcher(read(file));
            while (d.find()) {
                Matcher n = name.matcher(d.group(1));
                while (n.find()) {
                    names.add(n.group(1));
                }
            }
        }
        if (names.isEmpty()) {
            throw new IllegalStateException(Arrays.toString(files) + ": no @Option found; update ProductSources.options");
        }
        return names;
    }

    private static String constant(String file, String regex) {
        return group(read(file), regex, file + ": " + regex);
    }

    private static String group(String text, String regex, String what) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException(what + " not found; update ProductSources");
        }
        return m.group(1);
    }

    private static String read(String file) {
        Path path = RepoPaths.root().resolve(file);
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        }
    }
}
