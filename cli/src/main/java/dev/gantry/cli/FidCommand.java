package dev.gantry.cli;

import dev.gantry.evaluation.FrechetDistance;
import dev.gantry.evaluation.GaussianStats;
import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.StatisticsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "fid", mixinStandardHelpOptions = true,
        description = {"Print the FID of two sets of statistics, like pytorch-fid's command line.",
                "A and B are pytorch-fid .npz files (arrays mu and sigma)."},
        footer = {"", "Example:", "  gantry fid real_stats.npz generated_stats.npz",
                "", "Prints 'FID: <value>'. Image folders need a feature extractor (not available yet)."})
final class FidCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = ".npz statistics")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = ".npz statistics")
    Path b;

    @Override
    public Integer call() {
        for (Path p : new Path[] {a, b}) {
            if (Files.isDirectory(p)) {
                System.err.println(p + ": image folders need a feature extractor, which this version does not have yet;"
                        + " pass .npz statistics");
                return Main.BAD_INPUT;
            }
            if (!Files.isRegularFile(p)) {
                System.err.println(p + ": no such file");
                return Main.BAD_INPUT;
            }
        }
        try {
            GaussianStats sa = Npz.readStats(a);
            GaussianStats sb = Npz.readStats(b);
            System.out.println("FID: " + FrechetDistance.between(sa, sb, a.toString(), b.toString()));
            return 0;
        } catch (StatisticsException e) {
            System.err.println(e.getMessage());
            return Main.BAD_INPUT;
        }
    }
}
