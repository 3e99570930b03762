package dev.gantry.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A directory with one sub-directory per class (sorted by name: class index = position), each
 * holding PNG, JPEG, BMP or GIF images. Images are converted to the requested channel count and
 * fitted to the model size.
 */
public final class ImageFolder {
    private ImageFolder() {}

    public static LabeledImages load(Path root, int channels, int size) {
        if (!Files.isDirectory(root)) {
            throw new DatasetException("dataset.path " + root + ": not a directory");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new DatasetException(root + ": cannot list (" + e.getMessage() + ")", e);
        }
        if (classDirs.isEmpty()) {
            throw new DatasetException("dataset.path " + root + ": no class sub-directories (expected ROOT/<class>/<image>)");
        }
        List<String> classNames = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            Path dir = classDirs.get(c);
            classNames.add(dir.getFileName().toString());
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(ImageFolder::isImage).sorted().toList();
            } catch (IOException e) {
                throw new DatasetException(dir + ": cannot list (" + e.getMessage() + ")", e);
            }
            if (files.isEmpty()) {
                throw new DatasetException(dir + ": class directory holds no images");
            }
            for (Path f : files) {
                images.add(read(f, channels, size));
                labels.add(c);
            }
        }
        int per = channels * size * size;
        byte[] pixels = new byte[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, pixels, i * per, per);
        }
        return new LabeledImages("image-folder:" + root, images.size(), channels, size, pixels,
                labels.stream().mapToInt(Integer::intValue).toArray(), classNames);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg")
                || n.endsWith(".bmp") || n.endsWith(".gif"));
    }

    private static byte[] read(Path file, int channels, int size) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot decode image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new DatasetException(file + ": not a readable image");
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
