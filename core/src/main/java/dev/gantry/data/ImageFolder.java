package dev.gantry.data;

import dev.gantry.storage.LocalObjectStore;
import dev.gantry.storage.ObjectStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Labelled images in one sub-directory (or key prefix) per class, sorted by name: class index =
 * position; PNG, JPEG, BMP or GIF. Images are converted to the requested channel count and fitted
 * to the model size. Works on local directories and on S3 prefixes alike.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /** A local directory ROOT/<class>/<image>. */
    public static LabeledImages load(Path root, int channels, int size) {
        if (!Files.isDirectory(root)) {
            throw new DatasetException("dataset.path " + root + ": not a directory");
        }
        return load(new LocalObjectStore(root), "", channels, size);
    }

    /**
     * Images under {@code prefix} of an object store (a bucket or a directory): the first key
     * segment after the prefix is the class; classes are sorted by name (class index = position).
     */
    public static LabeledImages load(ObjectStore store, String prefix, int channels, int size) {
        String where = store.location() + "/" + prefix;
        TreeMap<String, List<String>> byClass = new TreeMap<>();
        for (String key : store.list(prefix)) {
            String rest = key.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                byClass.computeIfAbsent(rest.substring(0, slash), c -> new ArrayList<>());
                if (isImage(rest)) {
                    byClass.get(rest.substring(0, slash)).add(key);
                }
            }
        }
        if (byClass.isEmpty()) {
            throw new DatasetException("dataset.path " + where + ": no class sub-directories (expected ROOT/<class>/<image>)");
        }
        List<String> classNames = new ArrayList<>(byClass.keySet());
        // Sized before any image is decoded: too many images for memory fail now, naming the folder.
        byte[] pixels = LabeledImages.pixelBuffer("image-folder:" + where,
                byClass.values().stream().mapToLong(List::size).sum(), channels, size);
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            List<String> keys = byClass.get(classNames.get(c));
            if (keys.isEmpty()) {
                throw new DatasetException(where + classNames.get(c) + ": class directory holds no images");
            }
            for (String key : keys) {
                byte[] bytes = store.get(key).orElseThrow(() -> new DatasetException(store.location() + "/" + key
                        + ": listed but gone"));
                images.add(decode(bytes, store.location() + "/" + key, channels, size));
                labels.add(c);
            }
        }
        int per = channels * size * size;
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, pixels, i * per, per);
        }
        return new LabeledImages("image-folder:" + where, images.size(), channels, size, pixels,
                labels.stream().mapToInt(Integer::intValue).toArray(), classNames);
    }

    /**
     * Every image under a local directory, recursively and sorted by path, as one unlabelled set
     * (pytorch-fid's convention for "a folder of images").
     */
    public static LabeledImages loadAll(Path root, int channels, int size) {
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root + ": not a directory");
        }
        LocalObjectStore store = new LocalObjectStore(root);
        List<String> keys = store.list("").stream().filter(ImageFolder::isImage).toList();
        if (keys.isEmpty()) {
            throw new DatasetException(root + ": no images (png, jpg, jpeg, bmp, gif)");
        }
        int per = channels * size * size;
        byte[] pixels = LabeledImages.pixelBuffer("folder:" + root, keys.size(), channels, size);
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            byte[] bytes = store.get(key).orElseThrow(() -> new DatasetException(root + "/" + key + ": listed but gone"));
            System.arraycopy(decode(bytes, root + "/" + key, channels, size), 0, pixels, i * per, per);
        }
        return new LabeledImages("folder:" + root, keys.size(), channels, size, pixels, new int[keys.size()],
                List.of("all"));
    }

    private static boolean isImage(String key) {
        String n = key.toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".gif");
    }

    /** The largest image accepted, in pixels: its header is read before anything is decoded. */
    static final long MAX_IMAGE_PIXELS = 64L << 20;

    /**
     * The most pixels a file may claim per byte it has. Decoders allocate the whole raster from
     * the header and fill what the data does not cover with zeros, so a 700-byte JPEG claiming
     * 8192 x 8192 pixels decoded "successfully" after 2 GB of allocations and three seconds.
     * Real images stay below it, even of one flat colour (the best case for every compressor):
     * ImageIO's 3000 x 3000 flat images are 342 pixels a byte as RGB PNG, 1,019 as gray PNG, 1,149
     * as GIF and 63 as JPEG; only a 1-bit PNG (7,673) goes above, and a blank bilevel image is no
     * training data.
     */
    static final long MAX_PIXELS_PER_BYTE = 4096;

    private static byte[] decode(byte[] bytes, String name, int channels, int size) {
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DatasetException(name + ": not a readable image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_IMAGE_PIXELS || pixels <= 0) {
                    throw new DatasetException(name + ": " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " pixels; images above " + MAX_IMAGE_PIXELS + " pixels are refused unread");
                }
                if (pixels > MAX_PIXELS_PER_BYTE * bytes.length) {
                    throw new DatasetException(name + ": its header claims " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " pixels from " + bytes.length + " bytes, more than " + MAX_PIXELS_PER_BYTE
                            + " pixels a byte (no real image compresses so well): damaged or forged, refused unread");
                }
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw new DatasetException(name + ": cannot decode image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new DatasetException(name + ": not a readable image");
        }
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] chw = new byte[channels * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                if (channels == 1) {
                    chw[y * w + x] = (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                } else {
                    chw[y * w + x] = (byte) r;
                    chw[(h + y) * w + x] = (byte) g;
                    chw[(2 * h + y) * w + x] = (byte) b;
                }
            }
        }
        byte[] out = new byte[channels * size * size];
        ImageFit.fit(chw, channels, h, w, out, 0, size, 0);
        return out;
    }
}
