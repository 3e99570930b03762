package dev.gantry.cli;

import dev.gantry.bench.MemoryBenchmark;
import dev.gantry.config.ExitException;
import dev.gantry.runtime.EngineSetup;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "memory", mixinStandardHelpOptions = true,
        description = {"Print resident memory and live NDArrays over many training steps.",
                "Trains a small model; prints the growth over the whole run and over its second half."},
        footer = {"", "Example:", "  gantry bench memory --steps 10000 --every 1000"})
final class BenchMemoryCommand implements Callable<Integer> {
    @Option(names = "--steps", defaultValue = "10000", description = "training steps (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--every", defaultValue = "1000", description = "sample interval (default: ${DEFAULT-VALUE})")
    long every;

    @Option(names = "--threads", description = "intra-op threads (default: $GANTRY_THREADS or all cores)")
    Integer threads;

    @Override
    public Integer call() {
        if (steps < 2 || every < 1) {
            throw ExitException.badInput("--steps must be at least 2 and --every at least 1");
        }
        EngineSetup.configure(threads);
        List<MemoryBenchmark.Sample> samples = MemoryBenchmark.run(steps, every,
                s -> System.out.printf("step %7d  RSS %8.1f MB  live NDArrays %d%n", s.step(), s.rssMb(), s.liveArrays()));
        MemoryBenchmark.Sample first = samples.get(0);
        MemoryBenchmark.Sample last = samples.get(samples.size() - 1);
        System.out.printf("growth from step %d to %d: RSS %+.1f MB (%.4f MB per 1000 steps), live NDArrays %+d%n",
                first.step(), last.step(), last.rssMb() - first.rssMb(),
                (last.rssMb() - first.rssMb()) * 1000 / Math.max(1, last.step() - first.step()),
                last.liveArrays() - first.liveArrays());
        // Allocators and the JIT settle during the first part of a run: the second half shows the trend.
        MemoryBenchmark.Sample middle = samples.get(samples.size() / 2);
        System.out.printf("second half, step %d to %d: RSS %+.1f MB, live NDArrays %+d%n", middle.step(), last.step(),
                last.rssMb() - middle.rssMb(), last.liveArrays() - middle.liveArrays());
        return 0;
    }
}
