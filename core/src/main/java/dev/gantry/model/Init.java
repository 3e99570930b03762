package dev.gantry.model;

import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/** Initial values for a tensor, drawn from a seeded generator. */
@FunctionalInterface
public interface Init {
    float[] values(Shape shape, SplittableRandom random);

    static Init constant(float value) {
        return (shape, random) -> {
            float[] v = new float[Math.toIntExact(shape.size())];
            java.util.Arrays.fill(v, value);
            return v;
        };
    }

    static Init normal(double std) {
        return (shape, random) -> {
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * std);
            }
            return v;
        };
    }

    /** Unit-length Gaussian vector: the starting point of spectral norm's power iteration. */
    static Init unitVector() {
        return (shape, random) -> {
            float[] v = normal(1.0).values(shape, random);
            double norm = 0;
            for (float x : v) {
                norm += (double) x * x;
            }
            float inv = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
            return v;
        };
    }

    /** Glorot/Xavier uniform over (fan_in, fan_out) of a conv or linear weight (out, in, k...). */
    static Init xavierUniform() {
        return (shape, random) -> {
            long receptive = 1;
            for (int i = 2; i < shape.dimension(); i++) {
                receptive *= shape.get(i);
            }
            double fanIn = shape.get(1) * receptive;
            double fanOut = shape.get(0) * receptive;
            double bound = Math.sqrt(6.0 / (fanIn + fanOut));
            float[] v = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            return v;
        };
    }
}
