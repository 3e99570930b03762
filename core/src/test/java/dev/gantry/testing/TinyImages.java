package dev.gantry.testing;

import dev.gantry.data.LabeledImages;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Synthetic datasets for mechanics tests, which need labelled images but not their structure. */
public final class TinyImages {
    private TinyImages() {}

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
