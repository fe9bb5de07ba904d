package io.istream.trainer.model;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Worker threads for layers that cut a batch into independent row ranges (the GRU's samples never interact). One
 * shared pool of daemon threads, created on demand and retired after a minute idle, so that a model that never asks
 * for a second thread starts none, and any number of models can share them.
 */
final class ModelThreads {

    static final int MAX_THREADS = 2;
    private static final AtomicInteger NEXT_ID = new AtomicInteger();
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "istream-model-worker-" + NEXT_ID.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    private ModelThreads() {
    }

    /**
     * Runs {@code body} for every range r of {@code bounds} (range r is [bounds[r], bounds[r + 1])): range 0 on the
     * calling thread, the others on workers. Returns when all have finished, also when one fails or the caller is
     * interrupted, so that no worker is still writing into the layer's tensors afterwards; then rethrows the first
     * failure.
     */
    static void forEachRange(int[] bounds, IntConsumer body) {
        int ranges = bounds.length - 1;
        if (ranges == 1) {
            body.accept(0);
            return;
        }
        Future<?>[] others = new Future<?>[ranges - 1];
        for (int r = 1; r < ranges; r++) {
            int range = r;
            others[r - 1] = WORKERS.submit(() -> body.accept(range));
        }
        Throwable failure = null;
        try {
            body.accept(0);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> other : others) {
            while (true) {
                try {
                    other.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;   // the worker finishes within one batch: wait, then restore the flag
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : e.getCause();
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw new IllegalStateException("a model worker failed", failure);
        }
    }
}
