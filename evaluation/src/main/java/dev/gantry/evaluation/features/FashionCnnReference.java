package dev.gantry.evaluation.features;

import java.util.Map;

/**
 * {@link FashionCnn}'s feature layer in plain Java float64: direct convolutions and loops, no
 * engine. Slow (a few milliseconds an image) and only for the self-test, which compares the
 * engine's float32 features with these.
 */
final class FashionCnnReference {
    private final Map<String, float[]> weights;

    /** @param weights the network's tensors by name, as {@link FashionCnn} registers them under "cnn" */
    FashionCnnReference(Map<String, float[]> weights) {
        this.weights = weights;
    }

    /** Features (128) of one 1x32x32 image in [-1, 1]. */
    double[] features(float[] image) {
        double[] x = new double[image.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = image[i];
        }
        int size = 32;
        int channels = 1;
        int[] widths = {32, 64, 128};
        for (int stage = 0; stage < 3; stage++) {
            String name = "cnn.conv" + (stage + 1);
            x = maxPool(relu(conv3x3(x, channels, size, weights.get(name + ".weight"), weights.get(name + ".bias"),
                    widths[stage])), widths[stage], size);
            channels = widths[stage];
            size /= 2;
        }
        return relu(linear(x, weights.get("cnn.features.weight"), weights.get("cnn.features.bias"),
                FashionCnn.FEATURES));
    }

    private static double[] conv3x3(double[] x, int in, int size, float[] w, float[] b, int out) {
        double[] y = new double[out * size * size];
        for (int o = 0; o < out; o++) {
            for (int r = 0; r < size; r++) {
                for (int c = 0; c < size; c++) {
                    double sum = b[o];
                    for (int i = 0; i < in; i++) {
                        for (int kr = 0; kr < 3; kr++) {
                            int rr = r + kr - 1;
                            if (rr < 0 || rr >= size) {
                                continue;
                            }
                            for (int kc = 0; kc < 3; kc++) {
                                int cc = c + kc - 1;
                                if (cc >= 0 && cc < size) {
                                    sum += w[((o * in + i) * 3 + kr) * 3 + kc] * x[(i * size + rr) * size + cc];
                                }
                            }
                        }
                    }
                    y[(o * size + r) * size + c] = sum;
                }
            }
        }
        return y;
    }

    private static double[] maxPool(double[] x, int channels, int size) {
        int half = size / 2;
        double[] y = new double[channels * half * half];
        for (int ch = 0; ch < channels; ch++) {
            for (int r = 0; r < half; r++) {
                for (int c = 0; c < half; c++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int dr = 0; dr < 2; dr++) {
                        for (int dc = 0; dc < 2; dc++) {
                            m = Math.max(m, x[(ch * size + 2 * r + dr) * size + 2 * c + dc]);
                        }
                    }
                    y[(ch * half + r) * half + c] = m;
                }
            }
        }
        return y;
    }

    private static double[] linear(double[] x, float[] w, float[] b, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = b[o];
            for (int i = 0; i < x.length; i++) {
                sum += w[o * x.length + i] * x[i];
            }
            y[o] = sum;
        }
        return y;
    }

    private static double[] relu(double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(0, x[i]);
        }
        return x;
    }
}
