package io.istream.trainer.dataset;

/**
 * What part of a dataset a reader keeps.
 *
 * @param maxUsers keep only the first N users in file order (with all their rows); 0 keeps every user.
 *                 Cutting by user rather than by row keeps every kept sequence whole, which the protocols need.
 */
public record ReadOptions(int maxUsers) {

    public ReadOptions {
        if (maxUsers < 0) {
            throw new IllegalArgumentException("maxUsers must be >= 0 (0 = all), got " + maxUsers);
        }
    }

    public static ReadOptions all() {
        return new ReadOptions(0);
    }

    public static ReadOptions firstUsers(int maxUsers) {
        if (maxUsers < 1) {
            throw new IllegalArgumentException("firstUsers needs at least 1 user, got " + maxUsers);
        }
        return new ReadOptions(maxUsers);
    }

    public boolean limitsUsers() {
        return maxUsers > 0;
    }
}
