package dev.gantry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gantry.config.ExitStatus;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.metrics.Features;
import dev.gantry.evaluation.metrics.KernelInceptionDistance;
import dev.gantry.evaluation.metrics.NearestNeighbourMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gantry metrics and gantry kid on .npy feature files: one line per value, name first, the library's numbers. */
class MetricsCommandTest {
    private static Features cloud(int n, int d, long seed, double shift) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian() + shift;
        }
        return new Features(n, d, v);
    }

    private static Path write(Path dir, String name, Features f) throws Exception {
        Path file = dir.resolve(name);
        Npz.writeNpy(file, new Npz.Array(new long[] {f.n(), f.d()}, f.values()));
        return file;
    }

    @Test
    void everyMetricIsPrintedNameFirstWithTheLibrarysValue(@TempDir Path dir) throws Exception {
        Features real = cloud(300, 16, 1, 0);
        Features fake = cloud(300, 16, 2, 0.3);
        Path a = write(dir, "real.npy", real);
        Path b = write(dir, "fake.npy", fake);
        CliRun run = CliRun.of("metrics", a.toString(), b.toString(), "--subsets", "5", "--subset-size", "100", "--seed", "4");
        assertEquals(0, run.status(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(List.of("fid", "kid", "precision", "recall", "density", "coverage"),
                lines.stream().map(l -> l.split(" ")[0]).toList(), run.out());
        KernelInceptionDistance.Result kid = KernelInceptionDistance.compute(real, fake, 5, 100, 4);
        String[] kidLine = lines.get(1).split(" ");
        assertEquals(kid.mean(), Double.parseDouble(kidLine[1]), 1e-7 * Math.abs(kid.mean()));
        assertEquals(kid.std(), Double.parseDouble(kidLine[2]), 1e-7 * Math.abs(kid.std()));
        NearestNeighbourMetrics.PrecisionRecall pr = NearestNeighbourMetrics.precisionRecall(real, fake, 3);
        assertEquals(pr.precision(), Double.parseDouble(lines.get(2).split(" ")[1]), 1e-6);
        CliRun kidOnly = CliRun.of("kid", a.toString(), b.toString(), "--subsets", "5", "--subset-size", "100", "--seed", "4");
        assertEquals(lines.get(1), kidOnly.out().strip(), "gantry kid prints the same line");
    }

    @Test
    void badRequestsAreNamed(@TempDir Path dir) throws Exception {
        Path a = write(dir, "real.npy", cloud(10, 4, 1, 0));
        CliRun unknown = CliRun.of("metrics", a.toString(), a.toString(), "--metrics", "fid,is");
        assertEquals(ExitStatus.BAD_INPUT, unknown.status());
        assertTrue(unknown.err().contains("unknown metric 'is'"), unknown.err());
        Path fixtures = Path.of(System.getProperty("gantry.repo"), "evaluation", "src", "test", "resources", "fid");
        CliRun stats = CliRun.of("metrics", fixtures.resolve("d16_a.npz").toString(), fixtures.resolve("d16_b.npz").toString(),
                "--metrics", "kid");
        assertEquals(ExitStatus.BAD_INPUT, stats.status());
        assertTrue(stats.err().contains("use --metrics fid"), stats.err());
        CliRun tooFew = CliRun.of("kid", a.toString(), a.toString(), "--subset-size", "50");
        assertEquals(ExitStatus.BAD_INPUT, tooFew.status());
        assertTrue(tooFew.err().contains("subsets of 50"), tooFew.err());
    }
}
