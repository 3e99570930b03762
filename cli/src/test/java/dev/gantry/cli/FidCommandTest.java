package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.config.ExitStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 'gantry fid A B' on the NumPy-written fixtures of the evaluation module, like pytorch-fid's CLI. */
class FidCommandTest {
    private static final Path FIXTURES = Path.of(System.getProperty("gantry.repo"), "evaluation", "src", "test",
            "resources", "fid");

    @Test
    void printsTheReferenceFidOfTwoNpzFiles(@TempDir Path work) throws Exception {
        GantryProcess.Result result = GantryProcess.run(work, "fid", FIXTURES.resolve("d64_a.npz").toString(),
                FIXTURES.resolve("d64_b.npz").toString());
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.lastLine().startsWith("FID: "), result.stdout());
        double expected = new ObjectMapper().readTree(FIXTURES.resolve("expected.json").toFile())
                .path("d64").path("pytorch_fid").asDouble();
        assertEquals(expected, Double.parseDouble(result.lastLine().substring(5)), 1e-9 * expected);
    }

    @Test
    void foldersAndMissingFilesGetClearErrors(@TempDir Path work) throws Exception {
        java.nio.file.Files.createDirectories(work.resolve("empty"));
        CliRun empty = CliRun.of("fid", work.resolve("empty").toString(), work.resolve("empty").toString(),
                "--featurenet", work.resolve("no-net").toString());
        assertEquals(ExitStatus.BAD_INPUT, empty.status());
        assertTrue(empty.err().contains("no-net: no trained fmnist-cnn-v1 here"), empty.err());
        GantryProcess.Result missing = GantryProcess.run(work, "fid", "nope.npz", FIXTURES.resolve("d16_a.npz").toString());
        assertEquals(ExitStatus.BAD_INPUT, missing.exitCode());
        assertTrue(missing.stderr().contains("nope.npz: no such file"), missing.stderr());
        GantryProcess.Result mismatch = GantryProcess.run(work, "fid", FIXTURES.resolve("d16_a.npz").toString(),
                FIXTURES.resolve("d64_a.npz").toString());
        assertEquals(ExitStatus.BAD_INPUT, mismatch.exitCode());
        assertTrue(mismatch.stderr().contains("has dimension 16 but"), mismatch.stderr());
    }

    @Test
    void foldersOfImagesAreMeasuredWithTheFeatureNetwork(@TempDir Path work) throws Exception {
        dev.gantry.data.LabeledImages test = dev.gantry.data.FashionMnist.load(null, "test", 32, work);
        dev.gantry.evaluation.features.FashionFeatureNet.train(
                dev.gantry.data.FashionMnist.load(null, "train", 32, work).head(1000), test.head(100), 1, 0,
                work.resolve("net"), s -> { });
        Path shirts = writePngs(work.resolve("shirts"), test, 0, 60);
        Path trousers = writePngs(work.resolve("trousers/nested"), test, 1, 60).getParent();
        CliRun same = CliRun.of("fid", shirts.toString(), shirts.toString(), "--featurenet", work.resolve("net").toString());
        assertEquals(0, same.status(), same.err());
        assertEquals("fid[fmnist-cnn-v1]: 0.0", same.out().trim().replaceAll("(: )-?\\d\\.\\d+E-\\d+$", "$10.0"));
        CliRun different = CliRun.of("fid", shirts.toString(), trousers.toString(), "--featurenet",
                work.resolve("net").toString());
        assertEquals(0, different.status(), different.err());
        double fid = Double.parseDouble(different.out().trim().substring("fid[fmnist-cnn-v1]: ".length()));
        assertTrue(fid > 1, "shirts against trousers: " + fid);
    }

    /** The first {@code n} test images of one class as grayscale PNG files. */
    private static Path writePngs(Path dir, dev.gantry.data.LabeledImages images, int label, int n) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        int written = 0;
        for (int i = 0; written < n; i++) {
            if (images.labels()[i] != label) {
                continue;
            }
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < 32 * 32; p++) {
                int v = Byte.toUnsignedInt(images.pixels()[i * 1024 + p]);
                img.setRGB(p % 32, p / 32, (v << 16) | (v << 8) | v);
            }
            javax.imageio.ImageIO.write(img, "png", dir.resolve(String.format("%04d.png", written++)).toFile());
        }
        return dir;
    }
}
