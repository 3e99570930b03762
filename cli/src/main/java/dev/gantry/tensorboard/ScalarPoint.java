package dev.gantry.tensorboard;

/** One value of one TensorBoard scalar: what {@code tag} was at generator step {@code step}. */
public record ScalarPoint(String tag, long step, double wallTimeSeconds, double value) {}
