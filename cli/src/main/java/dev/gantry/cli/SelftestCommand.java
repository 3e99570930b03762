package dev.gantry.cli;

import dev.gantry.runtime.EngineSetup;
import dev.gantry.selftest.Check;
import dev.gantry.selftest.SelfTest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "selftest", mixinStandardHelpOptions = true,
        description = {"Check this machine's engine against independent references.",
                "Convolution input gradients against float64 (guarding a libtorch 2.7.1 / oneDNN bug), spectral",
                "norm against an exact SVD, self-attention identity at gamma=0. Exit status 3 if any check fails."})
final class SelftestCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        EngineSetup.configure(null);
        List<Check> checks = SelfTest.run();
        checks.forEach(c -> System.out.println(c.line()));
        boolean ok = SelfTest.allPassed(checks);
        System.out.println(checks.stream().filter(Check::passed).count() + " passed, "
                + checks.stream().filter(c -> !c.passed()).count() + " failed");
        return ok ? 0 : Main.NUMERICS;
    }
}
