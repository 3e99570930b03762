package dev.gantry.cli;

import dev.gantry.config.ExitStatus;
import dev.gantry.evaluation.features.FashionFeatureNet;
import dev.gantry.evaluation.features.InceptionReference;
import dev.gantry.evaluation.features.InceptionV3;
import dev.gantry.runtime.EngineSetup;
import dev.gantry.selftest.Check;
import dev.gantry.selftest.SelfTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "selftest", mixinStandardHelpOptions = true,
        description = {"Check this machine's engine against independent references.",
                "Convolution input gradients against float64 (guarding a libtorch 2.7.1 / oneDNN bug), spectral",
                "norm against an exact SVD, self-attention identity at gamma=0; the feature extractors eval workers",
                "would use: fmnist-cnn-v1 against a float64 Java forward pass, and an Inception TorchScript file's",
                "channels-last and NCHW runs against each other and against PyTorch's own features of fixed images",
                "(--inception-reference, or FILE.reference.npz beside it). Exit status 3 if any check fails."})
final class SelftestCommand implements Callable<Integer> {
    @Option(names = "--featurenet", description = "fmnist-cnn-v1 weights to check (default: ~/.cache/gantry/featurenets/fmnist-cnn-v1, when present)")
    Path featurenet;

    @Option(names = "--inception", paramLabel = "FILE", description = "an Inception v3 TorchScript file to check (default: $GANTRY_INCEPTION when a file)")
    Path inception;

    @Option(names = "--inception-reference", paramLabel = "NPZ",
            description = "PyTorch's features of fixed images for that file (default: $GANTRY_INCEPTION_REFERENCE, else FILE.reference.npz)")
    String inceptionReference;

    @Override
    public Integer call() {
        EngineSetup.configure(null);
        List<Check> checks = new ArrayList<>(SelfTest.run());
        checks.addAll(extractorChecks());
        checks.forEach(c -> System.out.println(c.line()));
        boolean ok = SelfTest.allPassed(checks);
        System.out.println(checks.stream().filter(c -> c.ran() && c.passed()).count() + " passed, "
                + checks.stream().filter(c -> !c.passed()).count() + " failed, "
                + checks.stream().filter(c -> !c.ran()).count() + " skipped");
        return ok ? ExitStatus.OK : ExitStatus.NUMERICS;
    }

    private List<Check> extractorChecks() {
        List<Check> checks = new ArrayList<>();
        Path featureDir = featurenet != null ? featurenet : FeaturenetCommand.defaultDir();
        if (featurenet != null || Files.isRegularFile(featureDir.resolve(FashionFeatureNet.WEIGHTS))) {
            try (FashionFeatureNet net = FashionFeatureNet.load(featureDir)) {
                checks.add(net.selfTest());
            }
        } else {
            checks.add(Check.notRun(FashionFeatureNet.ID + " features vs float64 Java",
                    "not trained here yet (" + featureDir + ")"));
        }
        String env = System.getenv("GANTRY_INCEPTION");
        Path file = inception != null ? inception : env != null && !env.contains("://") ? Path.of(env) : null;
        if (file != null) {
            String reference = inceptionReference != null ? inceptionReference : System.getenv("GANTRY_INCEPTION_REFERENCE");
            try (InceptionV3 net = InceptionV3.load(file, null)) {
                checks.addAll(InceptionReference.selfTest(net, InceptionReference.find(reference, file.toString())));
            }
        }
        return checks;
    }
}
