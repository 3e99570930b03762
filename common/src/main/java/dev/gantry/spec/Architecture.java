package dev.gantry.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Per image size layouts of G and D: the residual-block widths (as multiples of the base
 * channels) and where D downsamples. These follow the SNGAN/BigGAN/SAGAN family of ResNet GANs
 * that SAGAN's released code builds on.
 */
public record Architecture(int imageSize, int[] generatorWidths, int[] discriminatorWidths, boolean[] discriminatorDown) {

    public static final List<Integer> IMAGE_SIZES = List.of(32, 64, 128);

    public static Architecture forImageSize(int imageSize) {
        return switch (imageSize) {
            case 32 -> new Architecture(32, new int[] {4, 4, 4, 4}, new int[] {4, 4, 4, 4},
                    new boolean[] {true, true, false, false});
            case 64 -> new Architecture(64, new int[] {16, 8, 4, 2, 1}, new int[] {1, 2, 4, 8, 16},
                    new boolean[] {true, true, true, true, false});
            case 128 -> new Architecture(128, new int[] {16, 16, 8, 4, 2, 1}, new int[] {1, 2, 4, 8, 16, 16},
                    new boolean[] {true, true, true, true, true, false});
            default -> throw new IllegalArgumentException(
                    "image size " + imageSize + " is not supported; use one of " + IMAGE_SIZES);
        };
    }

    /** Spatial size after G's up-block i (the input to block 0 is 4x4). */
    public int generatorResolution(int block) {
        return 4 << (block + 1);
    }

    public int generatorBlocks() {
        return generatorWidths.length - 1;
    }

    /** Spatial size after D's block i. */
    public int discriminatorResolution(int block) {
        int size = imageSize;
        for (int i = 0; i <= block; i++) {
            if (discriminatorDown[i]) {
                size /= 2;
            }
        }
        return size;
    }

    public int discriminatorBlocks() {
        return discriminatorWidths.length;
    }

    /** Feature-map sizes where G can hold an attention block. */
    public List<Integer> generatorAttentionSizes() {
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < generatorBlocks(); i++) {
            sizes.add(generatorResolution(i));
        }
        return sizes;
    }

    /** Feature-map sizes where D can hold an attention block (after the first block of that size). */
    public List<Integer> discriminatorAttentionSizes() {
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < discriminatorBlocks(); i++) {
            int r = discriminatorResolution(i);
            if (!sizes.contains(r)) {
                sizes.add(r);
            }
        }
        return sizes;
    }
}
