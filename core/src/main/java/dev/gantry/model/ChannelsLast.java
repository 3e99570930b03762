package dev.gantry.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.gantry.runtime.NativeAllocator;
import dev.gantry.runtime.TorchScriptArchive;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Convolutions in channels-last memory order (NHWC strides, the same logical shapes and values).
 * libtorch gives a convolution's output the channels-last order when its weight has it, and
 * element-wise ops, batch norm, pooling and upsampling keep it (upsampling up to {@link
 * Resampling#NATIVE_UP_TO} output elements: the broadcast beyond it returns the default order, which
 * no channels-last benchmark configuration reaches), so the activations of a whole network then
 * stay in the order oneDNN's CPU kernels use natively. In the default order every
 * convolution converts its input to oneDNN's blocked layout and its output back, forward and
 * backward: about 30 ms of a 205 ms iteration of the small benchmark configuration. Networks
 * choose it by width ({@link #suitsNetwork}): wide ones run faster in the default order.
 *
 * <p>Float32 on the CPU only: float64 runs libtorch's reference kernels, kept as they were, and on
 * a GPU the order is untested (cuDNN chooses its own kernels). And only where this machine computes
 * it right: libtorch 2.7.1's channels-last convolutions give Inception features 10-14% off on AMD
 * EPYC CPUs with avx512_bf16/vnni, so each convolution shape is checked once per process against
 * the default order (output, input and weight gradients) before it runs channels-last.
 */
public final class ChannelsLast {
    private static final Logger log = LoggerFactory.getLogger(ChannelsLast.class);
    /** Relative L2 difference up to which the two orders agree: float32 rounding is about 1e-6. */
    static final double AGREEMENT = 1e-4;
    private static final Map<ConvolutionShape, Boolean> AGREES = new ConcurrentHashMap<>();
    private static final int BLOCK = 4093;
    private static final Set<String> CHECKED_AHEAD = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<Set<ConvolutionShape>> COLLECTING = new ThreadLocal<>();
    /**
     * clone, not contiguous: a 1x1 kernel's weight is contiguous in both orders, so contiguous()
     * would return it unchanged and libtorch would still see the default order.
     */
    static final String CLONE = "torch.clone(X, memory_format=2)";

    private static final String SOURCE = """
              def forward(self: __torch__.ChannelsLastCopy,
                x: Tensor) -> Tensor:
                return CLONE
            """.replace("CLONE", CLONE.replace("X", "x"));
    private static final String DEFAULT_ORDER_SOURCE = """
              def forward(self: __torch__.DefaultOrderCopy,
                x: Tensor) -> Tensor:
                return torch.contiguous(x)
            """;

    /** The widest network (convolution channels) that runs channels-last: see {@link #suitsNetwork}. */
    static final long WIDEST = 64;

    private ChannelsLast() {}

    /**
     * Whether a network whose widest convolution has this many channels should prefer channels-last.
     * Measured here (2 threads, AMD EPYC, oneDNN 3.7.1): oneDNN's channels-last kernels were about
     * 10% slower than its blocked ones at 128-256 channels, more than the saved reorders, so the
     * paper's configuration (G 256, D 128) and the 64x64 one (up to 512) were 2-4% slower whole,
     * while the small one (64 everywhere) was 10-15% faster; a network mixing the two orders by
     * layer was slower than either (5.4-6.6 against 4.6-4.7 s/iter on the 64x64 configuration).
     */
    public static boolean suitsNetwork(long widestChannels) {
        return widestChannels <= WIDEST;
    }

    /** The same for a network of these widths (multiples of its base channels). */
    static boolean suitsNetwork(int[] widthMultiples, int baseChannels) {
        return suitsNetwork((long) Arrays.stream(widthMultiples).max().orElseThrow() * baseChannels);
    }

    /** Whether a 4-D array of this type and device is used in channels-last order. */
    public static boolean applies(NDArray array) {
        return array.getShape().dimension() == 4 && array.getDataType() == DataType.FLOAT32
                && Device.Type.CPU.equals(array.getDevice().getDeviceType());
    }

    /**
     * A copy in channels-last order where that {@link #applies}, with autograd through it (a
     * weight that takes a gradient gets it through the copy); else the array itself.
     */
    public static NDArray of(NDArray array) {
        if (!applies(array)) {
            return array;
        }
        // isTrain: without it libtorch runs the script in inference mode, whose results autograd refuses.
        return TorchScriptArchive.unoptimized(() -> IValueUtils.forward(
                TorchScriptArchive.shared("ChannelsLastCopy", SOURCE), new NDList(array), true)).singletonOrThrow();
    }

    /**
     * Whether the convolution of this input by this weight runs channels-last: both {@link
     * #applies}, and this machine computes this shape the same way in both orders (checked on
     * the first call for each shape, with fixed random data, then remembered).
     */
    public static boolean forConvolution(NDArray input, NDArray weight, int padding) {
        if (!applies(input) || !applies(weight)) {
            return false;
        }
        ConvolutionShape shape = new ConvolutionShape(input.getShape(), weight.getShape(), padding);
        Set<ConvolutionShape> collecting = COLLECTING.get();
        if (collecting != null) {
            collecting.add(shape);
            return false;
        }
        Boolean agrees = AGREES.get(shape);
        return agrees != null ? agrees : check(shape);
    }

    /**
     * Checks the convolution shapes of {@code forwards} (evaluation forwards, which change no
     * state) before they are first used in training: the check's own arrays then never add to the
     * memory held by a training step's activations. The forwards themselves run in the default
     * order and only report their shapes; {@code key} names the model and batch, so that a worker
     * running many segments of one trial pays for this once.
     */
    public static void checkAhead(String key, Runnable forwards) {
        if (!CHECKED_AHEAD.add(key)) {
            return;
        }
        Set<ConvolutionShape> shapes = new LinkedHashSet<>();
        COLLECTING.set(shapes);
        try {
            forwards.run();
        } finally {
            COLLECTING.remove();
        }
        for (ConvolutionShape shape : shapes) {
            if (!AGREES.containsKey(shape)) {
                check(shape);
            }
        }
    }

    private record ConvolutionShape(Shape input, Shape weight, int padding) {
        @Override
        public String toString() {
            return input + " * " + weight + " pad " + padding;
        }
    }

    /**
     * Checks one shape and remembers the verdict. Its buffers are mapped one by one
     * ({@link NativeAllocator#oneOff}), whether it runs ahead of training or on a shape first seen
     * later (an evaluation batch).
     */
    private static boolean check(ConvolutionShape shape) {
        double disagreement = NativeAllocator.oneOff(() -> disagreement(shape.input(), shape.weight(), shape.padding()));
        boolean agrees = disagreement <= AGREEMENT;
        if (agrees) {
            log.debug("channels-last convolution {}: agrees with the default order ({})", shape, disagreement);
        } else {
            log.warn("channels-last convolution {} differs from the default order by {} on this machine:"
                    + " it runs in the default order", shape, disagreement);
        }
        AGREES.put(shape, agrees);
        return agrees;
    }

    /** The verdict for a shape, null if not checked yet: for tests. */
    static Boolean verdict(Shape input, Shape weight, int padding) {
        return AGREES.get(new ConvolutionShape(input, weight, padding));
    }

    /** Sets the verdict for a shape without checking it: for tests of the default-order path. */
    static void remember(Shape input, Shape weight, int padding, boolean agrees) {
        AGREES.put(new ConvolutionShape(input, weight, padding), agrees);
    }

    /**
     * The array in libtorch's default order where it {@link #applies} (a copy only if it is not in
     * that order already), for a convolution that must not run channels-last.
     */
    public static NDArray defaultOrder(NDArray array) {
        return applies(array) ? contiguous(array) : array;
    }

    /**
     * Any array in libtorch's default order (a copy only if it is not in that order already), on
     * any device and of any type: for an array whose strides an operation made channels-last
     * (libtorch then runs the next convolution channels-last, whatever the device or type).
     */
    static NDArray contiguous(NDArray array) {
        return TorchScriptArchive.unoptimized(() -> IValueUtils.forward(
                TorchScriptArchive.shared("DefaultOrderCopy", DEFAULT_ORDER_SOURCE), new NDList(array), true))
                .singletonOrThrow();
    }

    /**
     * The largest relative L2 difference between the two orders in a convolution's output, input
     * gradient and weight gradient, on fixed random data of these shapes. Runs its own backward
     * pass on arrays of its own, with gradients on for the duration, whatever the caller's mode.
     */
    static double disagreement(Shape inputShape, Shape weightShape, int padding) {
        Shape outputShape = new Shape(inputShape.get(0), weightShape.get(0),
                inputShape.get(2) + 2L * padding - weightShape.get(2) + 1,
                inputShape.get(3) + 2L * padding - weightShape.get(3) + 1);
        // The manager first: it loads the engine, which a process may not have done yet.
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            boolean gradMode = JniUtils.isGradMode();
            JniUtils.setGradMode(true);
            try {
                SplittableRandom random = new SplittableRandom(inputShape.hashCode() * 31L + weightShape.hashCode());
                NDArray x = pseudoRandom(m, inputShape, 1, random);
                NDArray w = pseudoRandom(m, weightShape, 0.1, random);
                NDArray upstream = pseudoRandom(m, outputShape, 1, random);
                NDArray[] reference = convolve(x, w, upstream, padding, false);
                NDArray[] channelsLast = convolve(x, w, upstream, padding, true);
                double worst = 0;
                for (int i = 0; i < reference.length; i++) {
                    // Computed in libtorch: full-size copies on the Java heap would grow the JVM's heap.
                    NDArray a = reference[i].toType(DataType.FLOAT64, false);
                    NDArray b = channelsLast[i].toType(DataType.FLOAT64, false);
                    double norm = a.norm().getDouble();
                    double difference = a.sub(b).norm().getDouble();
                    worst = Math.max(worst, norm == 0 ? difference : difference / norm);
                }
                return worst;
            } finally {
                JniUtils.setGradMode(gradMode);
            }
        }
    }

    /**
     * Normal values in a shape, tiled from a block of prime length: arrays made from Java data
     * live in direct buffers that only a garbage collection frees, so full-size ones for every
     * shape checked would stay in memory until one runs.
     */
    private static NDArray pseudoRandom(NDManager m, Shape shape, double scale, SplittableRandom random) {
        NDArray block = m.create(Init.normal(scale).values(new Shape(BLOCK), random));
        long size = shape.size();
        return block.tile((size + BLOCK - 1) / BLOCK).get("0:" + size).reshape(shape);
    }

    /** {output, input gradient, weight gradient} of sum(conv(x, w) * upstream), on fresh leaves. */
    static NDArray[] convolve(NDArray x, NDArray w, NDArray upstream, int padding, boolean channelsLast) {
        NDArray input = x.duplicate();
        NDArray weight = w.duplicate();
        input.setRequiresGradient(true);
        weight.setRequiresGradient(true);
        NDArray output = Convolutions.conv2d(channelsLast ? of(input) : input, channelsLast ? of(weight) : weight,
                null, padding, true);
        NDArray loss = output.mul(upstream).sum();
        JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
        return new NDArray[] {output.stopGradient(), input.getGradient(), weight.getGradient()};
    }
}
