package dev.gantry.evaluation.features;

import dev.gantry.evaluation.Npz;
import dev.gantry.evaluation.StatisticsException;
import dev.gantry.selftest.Check;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Features PyTorch itself computed from an Inception TorchScript file for a few fixed images: the
 * independent reference the extractor's self-test compares against. A {@code .npz} with
 * {@code images} (uint8, n x 3 x s x s) and {@code features} (float32, n x 2048), written by
 * {@code tools/inception_reference.py MODEL.pt OUT.npz} on any machine with PyTorch.
 */
public record InceptionReference(byte[] images, int count, int size, float[] features, String source) {
    /** The reference file next to a local Inception file, {@code <file>.reference.npz}, if there is one. */
    public static Optional<Path> besides(Path inceptionFile) {
        Path candidate = inceptionFile.resolveSibling(inceptionFile.getFileName() + ".reference.npz");
        return Files.isRegularFile(candidate) ? Optional.of(candidate) : Optional.empty();
    }

    /**
     * The reference to check against: {@code configured} (a local .npz) when given, else the one
     * next to a local Inception file, else none.
     */
    public static Optional<InceptionReference> find(String configured, String inceptionLocation) {
        if (configured != null && !configured.isBlank()) {
            return Optional.of(read(Path.of(configured)));
        }
        if (inceptionLocation == null || inceptionLocation.contains("://")) {
            return Optional.empty();
        }
        return besides(Path.of(inceptionLocation)).map(InceptionReference::read);
    }

    public static InceptionReference read(Path npz) {
        Map<String, Npz.Array> arrays = Npz.read(npz);
        Npz.Array images = arrays.get("images");
        Npz.Array features = arrays.get("features");
        if (images == null || features == null) {
            throw new StatisticsException(npz + ": an Inception reference needs arrays 'images' and 'features'");
        }
        long[] s = images.shape();
        if (s.length != 4 || s[1] != 3 || s[2] != s[3] || s[0] < 1 || s[0] > 64 || s[2] < 16 || s[2] > 512) {
            throw new StatisticsException(npz + ": 'images' must be n x 3 x s x s with 1 <= n <= 64 and 16 <= s <= 512");
        }
        int n = (int) s[0];
        if (features.shape().length != 2 || features.shape()[0] != n || features.shape()[1] != InceptionV3.FEATURES) {
            throw new StatisticsException(npz + ": 'features' must be " + n + " x " + InceptionV3.FEATURES);
        }
        byte[] bytes = new byte[images.values().length];
        for (int i = 0; i < bytes.length; i++) {
            double v = images.values()[i];
            if (v < 0 || v > 255 || v != Math.rint(v)) {
                throw new StatisticsException(npz + ": 'images' must hold integers 0..255");
            }
            bytes[i] = (byte) (int) v;
        }
        float[] f = new float[features.values().length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) features.values()[i];
        }
        return new InceptionReference(bytes, n, (int) s[2], f, npz.toString());
    }

    /**
     * The extractor's checks: how the two layouts compared on this machine's probe, and the layout
     * in use against this reference. When the chosen layout is wrong here and the other one is
     * right, the extractor switches to it, so a CPU whose fault is in one layout still evaluates.
     */
    public static List<Check> selfTest(InceptionV3 net, Optional<InceptionReference> reference) {
        List<Check> checks = new ArrayList<>();
        InceptionV3.LayoutChoice choice = net.layout();
        checks.add(new Check("inception channels-last vs NCHW", 0, 0, String.format(
                "probe disagreement %.3e: fed %s", choice.disagreement(), choice.layout())));
        if (reference.isEmpty()) {
            checks.add(Check.notRun("inception vs PyTorch reference",
                    "no reference file (tools/inception_reference.py MODEL.pt MODEL.pt.reference.npz makes one)"));
            return checks;
        }
        InceptionReference ref = reference.get();
        double error = ref.errorOf(net, choice.layout());
        String detail = ref.source() + ", fed " + choice.layout();
        if (error > InceptionV3.AGREEMENT) {
            InceptionV3.Layout other = choice.layout() == InceptionV3.Layout.NCHW
                    ? InceptionV3.Layout.CHANNELS_LAST : InceptionV3.Layout.NCHW;
            double otherError = ref.errorOf(net, other);
            if (otherError <= InceptionV3.AGREEMENT) {
                net.useLayout(other);
                detail = String.format("%s; %s was %.3e off, switched to %s", ref.source(), choice.layout(), error, other);
                error = otherError;
            }
        }
        checks.add(new Check("inception vs PyTorch reference", error, InceptionV3.AGREEMENT, detail));
        return checks;
    }

    double errorOf(InceptionV3 net, InceptionV3.Layout layout) {
        return InceptionV3.relativeDifference(features, net.featuresOfBytes(images, count, size, layout));
    }
}
