package io.istream.ops.cli;

import io.istream.trainer.model.BlasKernels;
import java.util.Map;

/** The OpenBLAS kernels a benchmark's products run on, printed and recorded in its figures. */
final class BlasReport {
    private BlasReport() {
    }

    /** Prints the setting (and a warning when the CPU suits better kernels) and records it as openblasCoretype. */
    static void printAndRecord(Map<String, Object> figures) {
        String coretype = BlasKernels.coretypeOfThisJvm();
        figures.put("openblasCoretype", coretype);
        System.out.println("OpenBLAS kernels: " + BlasKernels.CORETYPE_VARIABLE + "=" + coretype);
        BlasKernels.adviceForThisJvm().ifPresent(advice -> System.out.println("warning: " + advice));
    }
}
