package dev.gantry.evaluation.features;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.cluster.CacheLayout;
import dev.gantry.cluster.MetricNames;
import dev.gantry.model.NoGrad;
import dev.gantry.storage.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Inception v3 as TorchScript with the interface of StyleGAN2-ADA's and clean-fid's
 * {@code inception-2015-12-05.pt}: {@code forward(img, return_features)} takes N x 3 x H x W
 * images with values 0..255, resizes them to 299 x 299 itself, and gives pool3 features (2048)
 * or class probabilities (1008, for the Inception Score).
 *
 * <p>Images reach it the way StyleGAN2-ADA's metrics feed it: generator output in [-1, 1] becomes
 * {@code floor(x * 127.5 + 128)} clamped to 0..255 as uint8, grayscale repeated to three channels.
 *
 * <p>Getting the file is this worker's business, not the task's: every failure to fetch, read or
 * load it is a {@link StorageException}, retried (perhaps on a worker configured better).
 *
 * <p>Only the published weights may produce plain "FID": a file whose SHA-256 matches the hash
 * the operator configures as the published one gets the id {@value #ID}; any other file (such as
 * the random-weights test model) gets "inception-v3-unverified-&lt;sha prefix&gt;", and its metrics are
 * named accordingly.
 *
 * <p>Which memory layout the module is fed is chosen per machine when it loads ({@link Layout}):
 * libtorch 2.7.1's channels-last convolutions give features 10% off on some AVX-512 CPUs (AMD EPYC
 * with avx512_bf16/vnni), where NCHW is right. Channels-last is used only where it agrees with NCHW.
 */
public final class InceptionV3 implements FeatureExtractor {
    public static final String ID = MetricNames.Extractor.INCEPTION_V3.id();
    /** Where StyleGAN2-ADA publishes the TorchScript file. */
    public static final String PUBLIC_URL =
            "https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/metrics/inception-2015-12-05.pt";
    public static final int FEATURES = 2048;
    public static final int CLASSES = 1008;
    private static final int BATCH = 16;
    /** Largest relative difference (max abs difference / max abs) between two correct runs. */
    public static final double AGREEMENT = 1e-4;

    /** How the images reach the module. */
    public enum Layout {
        /** A contiguous n x 3 x h x w tensor: the layout PyTorch users feed; right on every CPU seen. */
        NCHW,
        /** A permuted view of n x h x w x 3 bytes, which oneDNN runs without reorders (about 1.4x faster). */
        CHANNELS_LAST
    }

    /**
     * The layout in use and how far channels-last was from NCHW on this machine's probe images.
     *
     * @param disagreement max |channels-last - NCHW| / max |NCHW| over the probe's features
     */
    public record LayoutChoice(Layout layout, double disagreement) {}

    private final PtNDManager manager;
    private final PtSymbolBlock module;
    private final String id;
    private final String sha256;
    private LayoutChoice layout;

    private InceptionV3(PtNDManager manager, PtSymbolBlock module, String id, String sha256) {
        this.manager = manager;
        this.module = module;
        this.id = id;
        this.sha256 = sha256;
    }

    /**
     * @param publishedSha256 the SHA-256 of the published file, or null when unknown: then the
     *     extractor is never called the standard Inception
     */
    public static InceptionV3 load(Path file, String publishedSha256) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new StorageException(file + ": cannot read the Inception TorchScript file (" + e.getMessage() + ")", e);
        }
        String sha = Manifest.sha256(bytes);
        boolean standard = publishedSha256 != null && publishedSha256.equalsIgnoreCase(sha);
        String id = standard ? ID : "inception-v3-unverified-" + sha.substring(0, 12);
        PtNDManager manager = (PtNDManager) NDManager.newBaseManager();
        try {
            PtSymbolBlock module = JniUtils.loadModule(manager, file, true, new String[0], new String[0], false);
            InceptionV3 net = new InceptionV3(manager, module, id, sha);
            net.layout = net.chooseLayout();
            return net;
        } catch (RuntimeException e) {
            manager.close();
            throw new StorageException(file + ": not a loadable TorchScript module (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Runs fixed probe images both ways; channels-last is taken only when it agrees with NCHW.
     * NCHW is the fallback because it matched PyTorch on every CPU measured, and the self-test
     * ({@link InceptionReference}) checks whichever layout is chosen against PyTorch's own output.
     */
    private LayoutChoice chooseLayout() {
        int size = 64;
        byte[] probe = probeImages(2, size);
        float[] nchw = featuresOfBytes(probe, 2, size, Layout.NCHW);
        float[] channelsLast = featuresOfBytes(probe, 2, size, Layout.CHANNELS_LAST);
        double disagreement = relativeDifference(nchw, channelsLast);
        return new LayoutChoice(disagreement <= AGREEMENT ? Layout.CHANNELS_LAST : Layout.NCHW, disagreement);
    }

    /** Deterministic smooth-plus-noise RGB images, n x 3 x size x size, values 0..255. */
    static byte[] probeImages(int n, int size) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(2015_12_05L);
        byte[] b = new byte[n * 3 * size * size];
        for (int i = 0; i < b.length; i++) {
            int x = i % size;
            int y = (i / size) % size;
            double smooth = 127.5 + 90 * Math.sin(0.21 * x + 0.13 * y + i / (size * size));
            b[i] = (byte) Math.max(0, Math.min(255, (int) (smooth + random.nextInt(-30, 31))));
        }
        return b;
    }

    /** max |a - b| / max |a|: the measure every layout and reference comparison uses. */
    public static double relativeDifference(float[] reference, float[] actual) {
        if (reference.length != actual.length) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < reference.length; i++) {
            scale = Math.max(scale, Math.abs(reference[i]));
            worst = Math.max(worst, Math.abs((double) reference[i] - actual[i]));
        }
        double r = worst / Math.max(scale, Double.MIN_NORMAL);
        return Double.isNaN(r) ? Double.POSITIVE_INFINITY : r;
    }

    public LayoutChoice layout() {
        return layout;
    }

    /** Uses {@code layout} from now on whatever the probe chose: the self-test's verdict wins. */
    public void useLayout(Layout chosen) {
        layout = new LayoutChoice(chosen, layout.disagreement());
    }

    /**
     * Finds the TorchScript file: a local path, an s3:// URI (through {@code stores}), or an
     * https:// address, fetched once into {@code cacheDir}. A download is used only when its
     * SHA-256 equals {@code publishedSha256}, which must then be given.
     */
    public static InceptionV3 locate(String location, String publishedSha256, dev.gantry.storage.Stores stores,
            Path cacheDir) {
        if (location.startsWith("s3://") || location.startsWith("https://")) {
            Path cached = new CacheLayout(cacheDir).inceptionFiles().resolve(Integer.toHexString(location.hashCode()) + ".pt");
            if (!Files.isRegularFile(cached)) {
                byte[] bytes = location.startsWith("s3://") ? fromStore(location, stores) : download(location, publishedSha256);
                try {
                    Files.createDirectories(cached.getParent());
                    Path partial = cached.resolveSibling(cached.getFileName() + ".partial");
                    Files.write(partial, bytes);
                    Files.move(partial, cached, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new StorageException(cached + ": cannot cache the Inception file (" + e.getMessage() + ")", e);
                }
            }
            return load(cached, publishedSha256);
        }
        return load(Path.of(location), publishedSha256);
    }

    private static byte[] fromStore(String uri, dev.gantry.storage.Stores stores) {
        int slash = uri.lastIndexOf('/');
        dev.gantry.storage.Stores.Location at = stores.locate(uri.substring(0, slash + 1));
        return at.store().get(at.keyPrefix() + uri.substring(slash + 1))
                .orElseThrow(() -> new StorageException(uri + ": no such object"));
    }

    private static byte[] download(String url, String publishedSha256) {
        if (publishedSha256 == null) {
            throw new StorageException(url + ": refusing to download without the published SHA-256 to check it against "
                    + "(set GANTRY_INCEPTION_SHA256)");
        }
        try {
            java.net.http.HttpResponse<byte[]> response = java.net.http.HttpClient.newBuilder()
                    .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build()
                    .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new StorageException(url + ": HTTP " + response.statusCode());
            }
            String sha = Manifest.sha256(response.body());
            if (!sha.equalsIgnoreCase(publishedSha256)) {
                throw new StorageException(url + ": downloaded file has SHA-256 " + sha + ", expected " + publishedSha256);
            }
            return response.body();
        } catch (IOException e) {
            throw new StorageException(url + ": download failed (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(url + ": download interrupted", e);
        }
    }

    public String sha256() {
        return sha256;
    }

    @Override
    public String weightsSha256() {
        return sha256;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int featureDim() {
        return FEATURES;
    }

    @Override
    public boolean isStandardInception() {
        return ID.equals(id);
    }

    @Override
    public boolean accepts(int channels, int size) {
        return (channels == 1 || channels == 3) && size >= 16;
    }

    @Override
    public float[] features(float[] images, int n, int channels, int size) {
        return run(images, n, channels, size, true, FEATURES);
    }

    /** Softmax probabilities over the 1008 classes of the TF Inception graph, n x 1008. */
    public float[] probabilities(float[] images, int n, int channels, int size) {
        return run(images, n, channels, size, false, CLASSES);
    }

    /** Runs 0..255 images (n x 3 x size x size) as they are (tests compare with PyTorch on the very same bytes). */
    public float[] featuresOfBytes(byte[] rgb, int n, int size) {
        return featuresOfBytes(rgb, n, size, layout.layout());
    }

    /** As {@link #featuresOfBytes(byte[], int, int)}, fed in the given layout. */
    public float[] featuresOfBytes(byte[] rgb, int n, int size, Layout feed) {
        float[] out = new float[n * FEATURES];
        try (NoGrad ignored = new NoGrad()) {
            for (int start = 0; start < n; start += BATCH) {
                int m = Math.min(BATCH, n - start);
                byte[] chunk = java.util.Arrays.copyOfRange(rgb, start * 3 * size * size, (start + m) * 3 * size * size);
                forward(feed == Layout.NCHW ? chunk : toNhwc(chunk, m, size), m, size, feed, true, out, start * FEATURES,
                        FEATURES);
            }
        }
        return out;
    }

    private static byte[] toNhwc(byte[] nchw, int n, int size) {
        byte[] nhwc = new byte[nchw.length];
        int plane = size * size;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    nhwc[(i * plane + p) * 3 + c] = nchw[(i * 3 + c) * plane + p];
                }
            }
        }
        return nhwc;
    }

    private float[] run(float[] images, int n, int channels, int size, boolean features, int width) {
        if (!accepts(channels, size)) {
            throw new IllegalArgumentException(id + " takes 1- or 3-channel images of at least 16x16, got "
                    + channels + "x" + size + "x" + size);
        }
        float[] out = new float[n * width];
        int plane = size * size;
        int per = channels * plane;
        Layout feed = layout.layout();
        try (NoGrad ignored = new NoGrad()) {
            for (int start = 0; start < n; start += BATCH) {
                int m = Math.min(BATCH, n - start);
                byte[] rgb = new byte[m * 3 * plane];
                for (int i = 0; i < m; i++) {
                    for (int c = 0; c < 3; c++) {
                        int from = (start + i) * per + (channels == 1 ? 0 : c) * plane;
                        int to = (i * 3 + c) * plane;
                        for (int p = 0; p < plane; p++) {
                            double v = Math.floor(images[from + p] * 127.5 + 128);
                            rgb[to + p] = (byte) Math.max(0, Math.min(255, (int) v));
                        }
                    }
                }
                forward(feed == Layout.NCHW ? rgb : toNhwc(rgb, m, size), m, size, feed, features, out, start * width,
                        width);
            }
        }
        return out;
    }

    /**
     * NCHW: the bytes as a contiguous n x 3 x size x size tensor. CHANNELS_LAST: a permuted view of
     * n x size x size x 3 bytes; convolutions keep the layout, which oneDNN runs without reordering
     * (1.47x the images/s of NCHW with PyTorch 1.13, 2 threads) where it computes them right.
     */
    private void forward(byte[] bytes, int n, int size, Layout feed, boolean features, float[] out, int offset,
            int width) {
        try (NDManager batch = manager.newSubManager()) {
            if (feed == Layout.NCHW) {
                forward((PtNDArray) batch.create(java.nio.ByteBuffer.wrap(bytes), new Shape(n, 3, size, size),
                        DataType.UINT8), features, out, offset, width);
            } else {
                PtNDArray x = (PtNDArray) batch.create(java.nio.ByteBuffer.wrap(bytes), new Shape(n, size, size, 3),
                        DataType.UINT8);
                forward(x.transpose(0, 3, 1, 2), features, out, offset, width);
            }
        }
    }

    private void forward(PtNDArray x, boolean features, float[] out, int offset, int width) {
        IValue input = IValue.from(x);
        IValue flag = IValue.from(features);
        try (IValue result = module.forward(input, flag)) {
            PtNDArray y = result.toTensor((PtNDManager) x.getManager());
            float[] values = y.toFloatArray();
            if (values.length != (int) x.getShape().get(0) * width) {
                throw new IllegalStateException(id + ": expected " + width + " outputs per image, got shape " + y.getShape());
            }
            System.arraycopy(values, 0, out, offset, values.length);
        } finally {
            input.close();
            flag.close();
        }
    }

    @Override
    public void close() {
        module.close();
        manager.close();
    }
}
