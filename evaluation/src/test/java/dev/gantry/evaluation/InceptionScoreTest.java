package dev.gantry.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InceptionScoreTest {
    @Test
    void identicalPredictionsScoreOne() {
        float[] probs = new float[20 * 4];
        java.util.Arrays.fill(probs, 0.25f);
        InceptionScore.Result r = InceptionScore.compute(probs, 20, 4, 10);
        assertEquals(1.0, r.mean(), 1e-12);
        assertEquals(0.0, r.std(), 1e-12);
    }

    @Test
    void confidentPredictionsSpreadOverKClassesScoreK() {
        int k = 5;
        int n = 100;
        float[] probs = new float[n * k];
        for (int i = 0; i < n; i++) {
            probs[i * k + i % k] = 1f;  // every split of 10 holds each class twice
        }
        InceptionScore.Result r = InceptionScore.compute(probs, n, k, 10);
        assertEquals(k, r.mean(), 1e-9);
        assertEquals(0.0, r.std(), 1e-9);
    }

    @Test
    void matchesTheStyleGanFormulaOnRandomProbabilities() {
        // exp(mean_i sum_c p log(p / mean_split p)), computed here in plain loops per split
        SplittableRandom random = new SplittableRandom(3);
        int n = 40;
        int k = 3;
        float[] probs = new float[n * k];
        for (int i = 0; i < n; i++) {
            double a = random.nextDouble() + 0.01;
            double b = random.nextDouble() + 0.01;
            double c = random.nextDouble() + 0.01;
            probs[i * k] = (float) (a / (a + b + c));
            probs[i * k + 1] = (float) (b / (a + b + c));
            probs[i * k + 2] = (float) (c / (a + b + c));
        }
        double[] scores = new double[2];
        for (int s = 0; s < 2; s++) {
            double[] m = new double[k];
            for (int i = s * 20; i < s * 20 + 20; i++) {
                for (int c = 0; c < k; c++) {
                    m[c] += probs[i * k + c] / 20.0;
                }
            }
            double kl = 0;
            for (int i = s * 20; i < s * 20 + 20; i++) {
                for (int c = 0; c < k; c++) {
                    kl += probs[i * k + c] * Math.log(probs[i * k + c] / m[c]);
                }
            }
            scores[s] = Math.exp(kl / 20);
        }
        InceptionScore.Result r = InceptionScore.compute(probs, n, k, 2);
        assertEquals((scores[0] + scores[1]) / 2, r.mean(), 1e-12);
        assertEquals(Math.abs(scores[0] - scores[1]) / 2, r.std(), 1e-12);
    }

    @Test
    void tooFewImagesForTheSplitsIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> InceptionScore.compute(new float[9 * 2], 9, 2, 10));
    }
}
