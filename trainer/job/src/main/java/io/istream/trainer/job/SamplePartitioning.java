package io.istream.trainer.job;

/** How samples reach the trainer replicas ({@code trainer.partitioning}; docs/architecture.md, "Trainer replicas"). */
public enum SamplePartitioning {
    /** By user: a hash shuffle, every upstream subtask feeding every replica, a user's samples at one replica. */
    BY_USER,
    /**
     * Each upstream subtask feeds a fixed subset of the replicas (Flink's rescale), so no shuffle couples all of
     * them: with as many upstream subtasks as replicas, each replica is fed by one. Every replica holds the whole
     * model, so every sample is still trained into the one model, though the replicas' final model can differ more
     * from one trainer's (docs/benchmarks.md); a user's samples stay at one replica when the upstream has at least as
     * many subtasks as there are replicas.
     */
    POINTWISE
}
