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

    public static ExperimentSpec spec() {
        return SpecLoader.parse(yaml(""), "tiny.yaml");
    }
}
