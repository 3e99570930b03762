package dev.gantry.client;

import dev.gantry.proto.v1.CancelExperiment;
import dev.gantry.proto.v1.ExperimentCommand;
import dev.gantry.proto.v1.ForkTrial;
import dev.gantry.proto.v1.SubmitExperiment;
import dev.gantry.spec.ExperimentPlan;
import dev.gantry.spec.PlanLoader;
import dev.gantry.transport.KafkaSettings;
import dev.gantry.transport.Publisher;
import dev.gantry.transport.Topics;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Sends users' commands to the coordinator. Specs are validated here first, so bad input never reaches Kafka. */
public final class ExperimentClient implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Publisher publisher;

    public ExperimentClient(KafkaSettings settings) {
        publisher = new Publisher(settings, "gantry-cli");
    }

    /** A new experiment id: the spec's name, the time and a random suffix, e.g. "fmnist-small-20261123-2101-a3f9". */
    public static String newExperimentId(String name) {
        return name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmm")) + "-"
                + String.format("%04x", RANDOM.nextInt(0x10000));
    }

    /**
     * Validates and submits a spec.
     *
     * @throws dev.gantry.spec.SpecException listing every problem with file, line and field
     */
    public String submit(String specYaml, String source, String experimentId) {
        ExperimentPlan plan = PlanLoader.parse(specYaml, source);
        String id = experimentId != null ? experimentId : newExperimentId(plan.name());
        publisher.sendAndWait(Topics.EXPERIMENT_COMMANDS, id, ExperimentCommand.newBuilder().setExperimentId(id)
                .setIssuedAtMs(System.currentTimeMillis())
                .setSubmit(SubmitExperiment.newBuilder().setSpecYaml(specYaml)
                        .setSubmittedBy(System.getProperty("user.name", "unknown"))).build());
        return id;
    }

    /** A new fork id: 8 random hex digits. */
    public static String newForkId() {
        return String.format("%08x", RANDOM.nextInt());
    }

    /**
     * Sends a fork command; the coordinator checks it again, copies the checkpoint and creates the
     * child trial {@code EXPERIMENT-fFORK_ID}. Sending the same fork id twice creates one trial.
     */
    public String fork(String experimentId, ForkTrial fork) {
        publisher.sendAndWait(Topics.EXPERIMENT_COMMANDS, experimentId, ExperimentCommand.newBuilder()
                .setExperimentId(experimentId).setIssuedAtMs(System.currentTimeMillis()).setFork(fork).build());
        return dev.gantry.coordinator.TrialScheduler.forkTrialId(experimentId, fork.getForkId());
    }

    public void cancel(String experimentId, String reason) {
        publisher.sendAndWait(Topics.EXPERIMENT_COMMANDS, experimentId, ExperimentCommand.newBuilder()
                .setExperimentId(experimentId).setIssuedAtMs(System.currentTimeMillis())
                .setCancel(CancelExperiment.newBuilder().setReason(reason)).build());
    }

    @Override
    public void close() {
        publisher.close();
    }
}
