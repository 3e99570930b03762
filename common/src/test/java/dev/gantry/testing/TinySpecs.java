package dev.gantry.testing;

import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecLoader;

/** The tiny spec every test shares: real training steps with it take milliseconds. */
public final class TinySpecs {
    private TinySpecs() {}

    public static String yaml(String extraTraining) {
        return """
                name: tiny
                dataset:
                  kind: fashion-mnist
                model:
                  imageSize: 32
                  zDim: 16
                  generator: {channels: 4, attention: [16]}
                  discriminator: {channels: 4, attention: [16]}
                training:
                  seed: 7
                  steps: 4
                  batchSize: 8
                """ + extraTraining;
    }

    /**
     * A spec for cluster tests (local processes or containers): Fashion-MNIST at 32x32, G and D of
     * {@code channels} base width with attention at 16x16, seed 3, and {@code experiment} as its
     * experiment section.
     */
    public static String cluster(String name, long steps, int channels, int batch, String experiment) {
        return """
                name: %s
                dataset: {kind: fashion-mnist}
                model:
                  imageSize: 32
                  zDim: 16
                  generator: {channels: %d, attention: [16]}
                  discriminator: {channels: %d, attention: [16]}
                training: {seed: 3, steps: %d, batchSize: %d}
                experiment:
                %s
                """.formatted(name, channels, channels, steps, batch, experiment.indent(2).stripTrailing());
    }

    public static ExperimentSpec spec() {
        return SpecLoader.parse(yaml(""), "tiny.yaml");
    }
}
