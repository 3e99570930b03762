package dev.gantry.evaluation.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.evaluation.Npz;
import dev.gantry.selftest.Check;
import dev.gantry.selftest.NumericsException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading and preprocessing of the Inception TorchScript, checked against PyTorch itself: a
 * random-weights Inception v3 with the published file's interface, made by
 * tools/make_random_inception.py with Debian's torch and torchvision, and the outputs PyTorch
 * computed for the same images.
 */
class InceptionV3Test {
    @TempDir
    static Path dir;
    static Npz.Array images;

    @BeforeAll
    static void makeModel() throws Exception {
        Path script = Path.of(System.getProperty("gantry.repo"), "tools", "make_random_inception.py");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString(), "--images", "3", "--size", "32")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0,
                "tools/make_random_inception.py failed (needs python3-torch and python3-torchvision):\n" + output);
        images = Npz.readNpy(dir.resolve("images.npy"));
    }

    private static byte[] bytes() {
        byte[] b = new byte[images.values().length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (int) images.values()[i];
        }
        return b;
    }

    /** The same images as generator output in [-1, 1], which gantry's preprocessing turns back into these bytes. */
    private static float[] unitRange() {
        float[] x = new float[images.values().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((images.values()[i] - 127.5) / 127.5);
        }
        return x;
    }

    private static void assertClose(double[] expected, float[] actual, double relative) {
        assertEquals(expected.length, actual.length);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= relative * scale, "max difference " + worst + " against a scale of " + scale);
    }

    @Test
    void featuresAndProbabilitiesMatchPyTorchOnTheSameImages() {
        try (InceptionV3 net = InceptionV3.load(dir.resolve("inception-random.pt"), null)) {
            int n = (int) images.shape()[0];
            int size = (int) images.shape()[2];
            float[] fromBytes = net.featuresOfBytes(bytes(), n, size);
            assertClose(Npz.readNpy(dir.resolve("features.npy")).values(), fromBytes, 1e-4);
            float[] fromGenerator = net.features(unitRange(), n, 3, size);
            assertArrayEquals(fromBytes, fromGenerator, "[-1, 1] images become the same bytes StyleGAN2-ADA feeds");
            assertClose(Npz.readNpy(dir.resolve("probs.npy")).values(), net.probabilities(unitRange(), n, 3, size), 1e-4);
        }
    }

    @Test
    void selfTestPassesAgainstPyTorchsReferenceWhicheverLayoutWasTriedFirst() {
        Path model = dir.resolve("inception-random.pt");
        InceptionReference reference = InceptionReference.read(InceptionReference.besides(model).orElseThrow());
        for (InceptionV3.Layout first : InceptionV3.Layout.values()) {
            try (InceptionV3 net = InceptionV3.load(model, null)) {
                net.useLayout(first);
                List<Check> checks = InceptionReference.selfTest(net, Optional.of(reference));
                assertTrue(checks.stream().allMatch(c -> c.ran() && c.passed()), checks.toString());
                // whatever layout ends up in use computes PyTorch's features on this CPU
                assertTrue(reference.errorOf(net, net.layout().layout()) <= InceptionV3.AGREEMENT);
            }
        }
    }

    @Test
    void aWrongReferenceFailsTheSelfTestAndTheExtractorIsRefused() {
        Path model = dir.resolve("inception-random.pt");
        InceptionReference right = InceptionReference.read(InceptionReference.besides(model).orElseThrow());
        float[] off = right.features().clone();
        for (int i = 0; i < off.length; i += 7) {
            off[i] *= 1.01f;
        }
        InceptionReference wrong = new InceptionReference(right.images(), right.count(), right.size(), off, "tampered");
        InceptionV3 net = InceptionV3.load(model, null);
        NumericsException refused = assertThrows(NumericsException.class,
                () -> VerifiedExtractors.inception(net, Optional.of(wrong), c -> { }));
        assertTrue(refused.getMessage().contains("inception vs PyTorch reference"), refused.getMessage());
        try (InceptionV3 unchecked = InceptionV3.load(model, null)) {
            List<Check> checks = InceptionReference.selfTest(unchecked, Optional.empty());
            assertFalse(checks.get(1).ran(), "no reference: reported as not run, never as passed");
        }
    }

    @Test
    void onlyThePublishedHashMakesPlainFid() {
        try (InceptionV3 random = InceptionV3.load(dir.resolve("inception-random.pt"), null)) {
            assertTrue(random.id().startsWith("inception-v3-unverified-") && !random.isStandardInception(), random.id());
            assertEquals("fid[" + random.id() + "]", random.metricName("fid"));
            try (InceptionV3 trusted = InceptionV3.load(dir.resolve("inception-random.pt"), random.sha256())) {
                assertEquals(InceptionV3.ID, trusted.id());
                assertEquals("fid", trusted.metricName("fid"));
            }
        }
    }

    @Test
    void grayscaleImagesAreRepeatedToThreeChannels() {
        try (InceptionV3 net = InceptionV3.load(dir.resolve("inception-random.pt"), null)) {
            float[] gray = new float[2 * 32 * 32];
            for (int i = 0; i < gray.length; i++) {
                gray[i] = (float) Math.sin(i * 0.37);
            }
            float[] rgb = new float[2 * 3 * 32 * 32];
            for (int img = 0; img < 2; img++) {
                for (int c = 0; c < 3; c++) {
                    System.arraycopy(gray, img * 1024, rgb, (img * 3 + c) * 1024, 1024);
                }
            }
            assertArrayEquals(net.features(rgb, 2, 3, 32), net.features(gray, 2, 1, 32));
        }
    }
}
