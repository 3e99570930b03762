package dev.gantry.evaluation;

import dev.gantry.checkpoint.Mutations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Thousands of mutated .npy arrays and .npz files (pytorch-fid statistics, shared reference
 * statistics): the reader reads them or refuses them with its own {@link StatisticsException};
 * no raw runtime error, no allocation the file cannot back, no inflating past the size limit.
 */
class NpzFuzzTest {
    private static Npz.Array array(int n) {
        double[] v = new double[n * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.sin(i);
        }
        return new Npz.Array(new long[] {n, 3}, v);
    }

    /** The header's shape replaced by a lie: huge, negative, unparseable, or more elements than bytes. */
    private static byte[] lyingShape(SplittableRandom random) {
        String npy = new String(Npz.npy(array(4)), StandardCharsets.ISO_8859_1);
        String[] lies = {"(2000000000,)", "(-3, 4)", "(99999999999999999999,)", "(4, 3, 1000000)", "(x,)", "()",
                "(3037000500, 3037000500)", "(0,)", "(4, 3)"};
        return npy.replace("(4, 3)", lies[random.nextInt(lies.length)]).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Property(tries = 3000, seed = "20261201")
    void mutatedArraysAreReadOrRefused(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = random.nextInt(3) == 0 ? lyingShape(random) : Mutations.mutate(Npz.npy(array(5)), random, edits);
        try {
            Npz.readNpy(bytes, "fuzz.npy");
        } catch (StatisticsException expected) {
            // the parser's own error
        }
    }

    @Property(tries = 500, seed = "20261201")
    void mutatedNpzFilesAreReadOrRefused(@ForAll @IntRange(min = 0, max = 1_000_000) int seed,
            @ForAll @IntRange(min = 1, max = 6) int edits) throws Exception {
        Path dir = Files.createTempDirectory("npz-fuzz");
        try {
            Path valid = dir.resolve("stats.npz");
            Map<String, Npz.Array> arrays = new LinkedHashMap<>();
            arrays.put("mu", new Npz.Array(new long[] {3}, new double[] {1, 2, 3}));
            arrays.put("sigma", array(3));
            Npz.write(valid, arrays);
            Path mutated = dir.resolve("mutated.npz");
            Files.write(mutated, Mutations.mutate(Files.readAllBytes(valid), new SplittableRandom(seed), edits));
            try {
                Npz.read(mutated);
            } catch (StatisticsException expected) {
                // the parser's own error
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
