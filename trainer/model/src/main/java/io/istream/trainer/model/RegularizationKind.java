package io.istream.trainer.model;

/** How embedding tables are regularised. */
public enum RegularizationKind {
    NONE,
    /**
     * Plain L2 on the whole table: g_j += λ·w_j for EVERY row, every step. Its cost scales with the table, not the
     * batch; kept to show what MBA saves and what it changes.
     */
    L2,
    /** Mini-batch aware (DIN eqs. 4–7): only rows in the batch, g_j += λ·w_j / n_j. */
    MBA
}
