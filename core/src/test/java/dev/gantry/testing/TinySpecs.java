package dev.gantry.testing;

import dev.gantry.data.LabeledImages;
import dev.gantry.spec.ExperimentSpec;
import dev.gantry.spec.SpecLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small specs and synthetic datasets that make real training steps take milliseconds. */
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

    /** Random 1x32x32 images with labels 0..classes-1 (structure is irrelevant to mechanics tests). */
    public static LabeledImages randomImages(int count, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] pixels = new byte[count * 32 * 32];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) random.nextInt(256);
        }
        int[] labels = new int[count];
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("class" + c);
        }
        for (int i = 0; i < count; i++) {
            labels[i] = i % classes;
        }
        return new LabeledImages("random", count, 1, 32, pixels, labels, names);
    }
}
