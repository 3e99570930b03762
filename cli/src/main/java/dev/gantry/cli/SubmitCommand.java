package dev.gantry.cli;

import dev.gantry.client.ExperimentClient;
import dev.gantry.config.ExitException;
import dev.gantry.transport.ClusterOptions;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Validate an experiment spec and submit it to the coordinator; prints the experiment id.",
        footer = {"", "Examples:", "  gantry submit examples/ablation-attention.yaml --bootstrap kafka:9092",
                "  gantry submit spec.yaml --id my-run-1      # choose the id yourself",
                "", "Errors name the file, line and field; nothing is sent unless the whole spec is valid."})
final class SubmitCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "experiment spec (YAML)")
    Path specFile;

    @Option(names = "--id", description = "experiment id (default: <name>-<date>-<time>-<random>)")
    String id;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        String yaml;
        try {
            yaml = Files.readString(specFile);
        } catch (NoSuchFileException e) {
            throw ExitException.badInput(specFile + ": no such file");
        }
        if (id != null && !id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw ExitException.badInput("--id: 1-100 letters, digits, '.', '_' or '-' (got '" + id + "')");
        }
        try (ExperimentClient client = new ExperimentClient(cluster.kafka())) {
            System.out.println(client.submit(yaml, specFile.toString(), id));
            return 0;
        }
    }
}
