package dev.gantry.chaos;

/** The faults a chaos run injects, each a normal event in production that must lose nothing. */
public enum Fault {
    KILL_TRAINING_WORKER("SIGKILL a training worker mid-segment; a fresh one joins"),
    STALL_TRAINING_WORKER("freeze a training worker (SIGSTOP) past its task's lock, as a long GC pause would, then let it go on"),
    KILL_EVAL_WORKER("SIGKILL an eval worker; a fresh one joins"),
    KILL_COORDINATOR("SIGKILL the coordinator (mid-transaction or not); it is restarted"),
    RESTART_BROKER("stop the Kafka broker and start it again on the same log"),
    CORRUPT_CHECKPOINT("flip a byte in an object of a running trial's latest checkpoint"),
    DELETE_CHECKPOINT_OBJECT("delete an object (not the manifest) of a running trial's latest checkpoint"),
    DUPLICATE_TASK("publish again a training task that was already published"),
    STALE_CHECKPOINT_EVENT("publish again an old checkpoint event"),
    FORGED_OUT_OF_ROOT_TASK("a training task whose checkpoints go outside the store roots"),
    FORGED_BUCKET_ROOT_EVENT("a checkpoint event naming the bucket root as a checkpoint (retention bait)"),
    FORGED_ESCAPING_EVALUATION("an evaluation task whose checkpoint and statistics URIs climb out of the roots");

    private final String description;

    Fault(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
