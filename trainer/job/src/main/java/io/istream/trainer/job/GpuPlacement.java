package io.istream.trainer.job;

import java.util.Collection;
import java.util.List;

/**
 * Where the trainer computes. Flink's GPU driver gives a slot the indices of the GPUs of the cluster's {@code gpu}
 * external resource; on ND4J's CUDA backend the trainer's thread is attached to the first of them. A slot with a GPU
 * but a CPU-backend job jar is told so, since that GPU then sits idle.
 *
 * @param device the CUDA device index for the trainer's thread, or −1 to leave ND4J's default
 * @param message one line for the log
 */
record GpuPlacement(int device, String message) {

    /**
     * @param slotGpuIndices the {@code index} properties of the slot's {@code gpu} resources (empty without any)
     * @param cpuBackend     whether ND4J runs on its CPU backend
     */
    static GpuPlacement choose(Collection<String> slotGpuIndices, boolean cpuBackend) {
        List<Integer> indices = slotGpuIndices.stream().map(GpuPlacement::index).sorted().toList();
        if (indices.isEmpty()) {
            return new GpuPlacement(-1, cpuBackend ? "trainer on ND4J's CPU backend (no gpu external resource)"
                    : "trainer on ND4J's CUDA backend, default device (the cluster configures no gpu external resource)");
        }
        if (cpuBackend) {
            return new GpuPlacement(-1, "this slot has GPU " + indices + " but the job runs ND4J's CPU backend: submit"
                    + " istream-jobs-cuda.jar (mvn -Djobjar -Dcuda -DskipTests package) to train on it");
        }
        int device = indices.get(0);
        return new GpuPlacement(device, "trainer on GPU " + device + " (this slot's gpu resource " + indices + ")");
    }

    private static int index(String raw) {
        try {
            int index = Integer.parseInt(raw.trim());
            if (index < 0) {
                throw new NumberFormatException();
            }
            return index;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the gpu external resource gave an index that is not a device number: '"
                    + raw + "'");
        }
    }
}
