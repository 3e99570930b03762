package dev.gantry.transport;

import java.util.List;

/**
 * Every Kafka topic and consumer group gantry uses. Topic names carry the protocol version, so
 * a gantry.v2 protocol can run beside v1 on one cluster.
 */
public final class Topics {
    public static final String EXPERIMENT_COMMANDS = "gantry.v1.experiment-commands";
    public static final String TRAINING_TASKS = "gantry.v1.training-tasks";
    public static final String CHECKPOINT_EVENTS = "gantry.v1.checkpoint-events";
    public static final String EVAL_TASKS = "gantry.v1.eval-tasks";
    public static final String EVAL_RESULTS = "gantry.v1.eval-results";
    public static final String WORKER_PROGRESS = "gantry.v1.worker-progress";
    public static final String TASK_FAILURES = "gantry.v1.task-failures";
    /** Compacted: the latest TrialState per trial, from which a restarted coordinator rebuilds itself. */
    public static final String TRIAL_STATE = "gantry.v1.trial-state";

    /** Share group of training workers: any worker takes any task. */
    public static final String TRAIN_WORKERS = "gantry-train-workers";
    /** Share group of eval workers, over checkpoint events and explicit eval tasks. */
    public static final String EVAL_WORKERS = "gantry-eval-workers";
    /** Consumer group of the coordinator (one active coordinator at a time). */
    public static final String COORDINATOR = "gantry-coordinator";

    /**
     * The topics share groups read: one partition each. Kafka's share-group assignor gives each
     * partition to a single member while members are no more than partitions, so with several
     * partitions a worker busy with a long segment held back the tasks on its partition while
     * other workers idled. With one partition every member is assigned it and any free worker
     * takes the next task. (A few messages a second at most: one partition is not a limit here.)
     */
    public static final List<String> WORK_QUEUES = List.of(TRAINING_TASKS, CHECKPOINT_EVENTS, EVAL_TASKS);

    public static final List<String> ALL = List.of(EXPERIMENT_COMMANDS, TRAINING_TASKS, CHECKPOINT_EVENTS, EVAL_TASKS,
            EVAL_RESULTS, WORKER_PROGRESS, TASK_FAILURES, TRIAL_STATE);

    private Topics() {}
}
