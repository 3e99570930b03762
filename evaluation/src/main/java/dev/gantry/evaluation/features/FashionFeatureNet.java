package dev.gantry.evaluation.features;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.checkpoint.CheckpointException;
import dev.gantry.checkpoint.Manifest;
import dev.gantry.checkpoint.SafeTensors;
import dev.gantry.cluster.MetricNames;
import dev.gantry.data.LabeledImages;
import dev.gantry.model.ModelTensor;
import dev.gantry.model.NoGrad;
import dev.gantry.model.ParameterScope;
import dev.gantry.model.TensorRegistry;
import dev.gantry.model.TensorValues;
import dev.gantry.selftest.SelfTest;
import dev.gantry.training.Adam;
import dev.gantry.training.DataOrder;
import dev.gantry.training.Trainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The Fashion-MNIST feature network "fmnist-cnn-v1": trained by gantry itself, deterministically
 * (seeded init and data order), for FID on machines without the Inception weights. Its metrics
 * are named fid[fmnist-cnn-v1], never plain FID.
 */
public final class FashionFeatureNet implements FeatureExtractor {
    public static final String ID = MetricNames.Extractor.FMNIST_CNN_V1.id();
    public static final String WEIGHTS = "featurenet.safetensors";
    public static final String INFO = "featurenet.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int EVAL_BATCH = 500;
    public static final int BATCH = 64;

    /** How a training run went. */
    public record TrainingReport(int epochs, long steps, double testAccuracy, String weightsSha256) {}

    private final NDManager manager;
    private final TensorRegistry registry = new TensorRegistry();
    private final FashionCnn network;

    /** Set by {@link #load}; a network still in training has no stored weights. */
    private String weightsSha256 = "not-saved";

    private FashionFeatureNet(long seed) {
        manager = NDManager.newBaseManager();
        network = new FashionCnn(new ParameterScope("cnn", registry, manager, seed, DataType.FLOAT32), 10);
    }

    /** Trains from scratch on {@code train}, reports accuracy on {@code test}, writes the weights to {@code out}. */
    public static TrainingReport train(LabeledImages train, LabeledImages test, int epochs, long seed, Path out,
            LongConsumer onStep) throws IOException {
        if (train.channels() != 1 || train.size() != 32 || train.numClasses() != 10) {
            throw new IllegalArgumentException("fmnist-cnn-v1 trains on 1x32x32 images of 10 classes, got " + train.name());
        }
        int batch = BATCH;
        long stepsPerEpoch = train.count() / batch;
        try (FashionFeatureNet net = new FashionFeatureNet(seed)) {
            Adam adam = new Adam(net.registry.trainable(), new Adam.Hyper(1e-3, 0.9, 0.999, 1e-8), net.manager);
            DataOrder order = new DataOrder(seed, train.count());
            JniUtils.setGradMode(false);
            long step = 0;
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (long b = 0; b < stepsPerEpoch; b++, step++) {
                    int[] indices = order.batch(step, batch);
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        NDArray x = images(net.manager, train, indices);
                        long[] labels = new long[batch];
                        for (int i = 0; i < batch; i++) {
                            labels[i] = train.labels()[indices[i]];
                        }
                        NDArray oneHot = net.manager.create(labels).oneHot(10);
                        Trainer.zeroGradients(net.registry.trainable());
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray loss = net.network.logits(x).logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
                            gc.backward(loss);
                        }
                        adam.step();
                    }
                    onStep.accept(step + 1);
                }
            }
            double accuracy = net.accuracy(test);
            String sha = net.save(out, accuracy, epochs, step, seed);
            return new TrainingReport(epochs, step, accuracy, sha);
        }
    }

    /** Loads the weights written by {@link #train}; the error names the directory and what to run. */
    public static FashionFeatureNet load(Path dir) {
        byte[] weights;
        JsonNode info;
        try {
            weights = Files.readAllBytes(dir.resolve(WEIGHTS));
            info = JSON.readTree(Files.readAllBytes(dir.resolve(INFO)));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(dir + ": no trained " + ID + " here (" + e.getFile()
                    + " missing); run 'gantry featurenet train --out " + dir + "'");
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot read the feature network (" + e.getMessage() + ")", e);
        }
        String sha256 = Manifest.sha256(weights);
        if (!ID.equals(info.path("id").asText()) || !sha256.equals(info.path("sha256").asText())) {
            throw new CheckpointException(dir + "/" + WEIGHTS + ": does not match " + INFO + " (corrupt or another network)");
        }
        FashionFeatureNet net = new FashionFeatureNet(0);
        net.weightsSha256 = sha256;
        Map<String, SafeTensors.Tensor> stored = SafeTensors.read(weights, dir + "/" + WEIGHTS);
        for (ModelTensor t : net.registry.all().values()) {
            SafeTensors.Tensor s = stored.get(t.name());
            if (s == null || !java.util.Arrays.equals(s.shape(), t.array().getShape().getShape())) {
                net.close();
                throw new CheckpointException(dir + "/" + WEIGHTS + ": tensor " + t.name() + " missing or of the wrong shape");
            }
            TensorValues.replace(t.array(), s.values(), false);
        }
        return net;
    }

    /** Top-1 accuracy on a labelled set. */
    public double accuracy(LabeledImages data) {
        long correct = 0;
        try (NoGrad ignored = new NoGrad()) {
            for (int start = 0; start < data.count(); start += EVAL_BATCH) {
                int n = Math.min(EVAL_BATCH, data.count() - start);
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray batch = manager.create(data.range(start, n), new Shape(n, 1, data.size(), data.size()));
                    long[] predicted = network.logits(batch).argMax(1).toLongArray();
                    for (int i = 0; i < n; i++) {
                        if (predicted[i] == data.labels()[start + i]) {
                            correct++;
                        }
                    }
                }
            }
        }
        return (double) correct / data.count();
    }

    /**
     * The engine's features of fixed images against {@link FashionCnnReference}'s float64 ones:
     * the check an eval worker passes before it publishes a metric computed with this network.
     */
    public dev.gantry.selftest.Check selfTest() {
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (ModelTensor t : registry.all().values()) {
            weights.put(t.name(), t.array().toFloatArray());
        }
        FashionCnnReference reference = new FashionCnnReference(weights);
        int n = 4;
        float[] images = new float[n * 32 * 32];
        java.util.SplittableRandom random = new java.util.SplittableRandom(128);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) Math.max(-1, Math.min(1, Math.sin(i * 0.05) * 0.8 + random.nextDouble(-0.3, 0.3)));
        }
        float[] engine = features(images, n, 1, 32);
        double[] actual = new double[engine.length];
        double[] expected = new double[engine.length];
        for (int i = 0; i < n; i++) {
            double[] row = reference.features(java.util.Arrays.copyOfRange(images, i * 1024, (i + 1) * 1024));
            System.arraycopy(row, 0, expected, i * FashionCnn.FEATURES, row.length);
        }
        for (int i = 0; i < engine.length; i++) {
            actual[i] = engine[i];
        }
        return new dev.gantry.selftest.Check(ID + " features vs float64 Java", SelfTest.relativeError(actual, expected),
                1e-5, n + " fixed images, relative L2 error");
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String weightsSha256() {
        return weightsSha256;
    }

    @Override
    public int featureDim() {
        return FashionCnn.FEATURES;
    }

    @Override
    public boolean isStandardInception() {
        return false;
    }

    @Override
    public boolean accepts(int channels, int size) {
        return channels == 1 && size == 32;
    }

    @Override
    public float[] features(float[] images, int n, int channels, int size) {
        if (!accepts(channels, size)) {
            throw new IllegalArgumentException(ID + " takes 1x32x32 images, got " + channels + "x" + size + "x" + size);
        }
        float[] out = new float[n * FashionCnn.FEATURES];
        int per = channels * size * size;
        try (NoGrad ignored = new NoGrad()) {
            for (int start = 0; start < n; start += EVAL_BATCH) {
                int m = Math.min(EVAL_BATCH, n - start);
                float[] chunk = new float[m * per];
                System.arraycopy(images, start * per, chunk, 0, m * per);
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    float[] f = network.features(manager.create(chunk, new Shape(m, 1, 32, 32))).toFloatArray();
                    System.arraycopy(f, 0, out, start * FashionCnn.FEATURES, f.length);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }

    private String save(Path out, double accuracy, int epochs, long steps, long seed) throws IOException {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        for (ModelTensor t : registry.all().values()) {
            tensors.put(t.name(), new SafeTensors.Tensor(t.array().getShape().getShape(), t.array().toFloatArray()));
        }
        byte[] weights = SafeTensors.write(tensors, Map.of("id", ID));
        String sha = Manifest.sha256(weights);
        ObjectNode info = JSON.createObjectNode();
        info.put("id", ID);
        info.put("sha256", sha);
        info.put("testAccuracy", accuracy);
        info.put("epochs", epochs);
        info.put("steps", steps);
        info.put("seed", seed);
        info.put("featureDim", FashionCnn.FEATURES);
        Files.createDirectories(out);
        Files.write(out.resolve(WEIGHTS), weights);
        Files.write(out.resolve(INFO), JSON.writeValueAsString(info).getBytes(StandardCharsets.UTF_8));
        return sha;
    }

    private static NDArray images(NDManager manager, LabeledImages data, int[] indices) {
        return manager.create(data.batch(indices), new Shape(indices.length, data.channels(), data.size(), data.size()));
    }
}
