package dev.gantry.data;

/**
 * Brings a CHW 8-bit image to size x size: centre padding (with the given fill) when the image is
 * at most 8 pixels smaller, as for 28x28 Fashion-MNIST in a 32x32 model; bilinear resampling
 * otherwise. Non-square images are resampled to a square.
 */
final class ImageFit {
    private ImageFit() {}

    static void fit(byte[] src, int channels, int height, int width, byte[] dst, int dstOffset, int size, int fill) {
        if (height == size && width == size) {
            System.arraycopy(src, 0, dst, dstOffset, channels * size * size);
        } else if (height == width && height < size && size - height <= 8) {
            pad(src, channels, height, dst, dstOffset, size, fill);
        } else {
            bilinear(src, channels, height, width, dst, dstOffset, size);
        }
    }

    private static void pad(byte[] src, int channels, int n, byte[] dst, int off, int size, int fill) {
        int border = (size - n) / 2;
        for (int c = 0; c < channels; c++) {
            int plane = off + c * size * size;
            java.util.Arrays.fill(dst, plane, plane + size * size, (byte) fill);
            for (int y = 0; y < n; y++) {
                System.arraycopy(src, (c * n + y) * n, dst, plane + (y + border) * size + border, n);
            }
        }
    }

    private static void bilinear(byte[] src, int channels, int h, int w, byte[] dst, int off, int size) {
        double sy = (double) h / size;
        double sx = (double) w / size;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < size; y++) {
                double fy = Math.max(0, (y + 0.5) * sy - 0.5);
                int y0 = Math.min((int) fy, h - 1);
                int y1 = Math.min(y0 + 1, h - 1);
                double wy = fy - y0;
                for (int x = 0; x < size; x++) {
                    double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                    int x0 = Math.min((int) fx, w - 1);
                    int x1 = Math.min(x0 + 1, w - 1);
                    double wx = fx - x0;
                    int base = c * h * w;
                    double v = (1 - wy) * ((1 - wx) * (src[base + y0 * w + x0] & 0xff) + wx * (src[base + y0 * w + x1] & 0xff))
                            + wy * ((1 - wx) * (src[base + y1 * w + x0] & 0xff) + wx * (src[base + y1 * w + x1] & 0xff));
                    dst[off + (c * size + y) * size + x] = (byte) Math.round(v);
                }
            }
        }
    }
}
