package dev.gantry.evaluation.features;

import dev.gantry.selftest.Check;
import dev.gantry.selftest.NumericsException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Feature extractors are used only after their self-test passed on this machine: every metric
 * gantry publishes or prints comes through here. A failure closes the extractor and throws
 * {@link NumericsException}.
 */
public final class VerifiedExtractors {
    private VerifiedExtractors() {}

    public static InceptionV3 inception(InceptionV3 loaded, Optional<InceptionReference> reference,
            Consumer<Check> report) {
        try {
            List<Check> checks = InceptionReference.selfTest(loaded, reference);
            checks.forEach(report);
            NumericsException.requirePassed(loaded.id(), checks);
            return loaded;
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    public static FashionFeatureNet featureNet(FashionFeatureNet loaded, Consumer<Check> report) {
        try {
            Check check = loaded.selfTest();
            report.accept(check);
            NumericsException.requirePassed(FashionFeatureNet.ID, List.of(check));
            return loaded;
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }
}
