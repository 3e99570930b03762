package dev.gantry.local.dispatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a JVM the bench starts: this JVM's java and class path, Kafka's logging quieted. */
final class ChildJvm {
    private ChildJvm() {}

    /**
     * @param jvmOptions options before the main class (after java itself)
     * @return java, the options, logging settings, the class path and {@code mainClass}; the caller adds its arguments
     */
    static List<String> command(Class<?> mainClass, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn");
        command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        return command;
    }
}
