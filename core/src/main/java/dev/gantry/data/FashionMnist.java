package dev.gantry.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST (Xiao et al. 2017) from its IDX files. Looks in the configured directory, else in
 * the Debian package's location; where neither has the files and the network allows, downloads
 * them from the dataset's public address. Files are checked by the SHA-256 of their
 * decompressed bytes, which is the same for Debian's recompressed copies and the originals.
 */
public final class FashionMnist {
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String APT_PACKAGE = "dataset-fashion-mnist";
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    static final String DOWNLOAD_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    private record IdxFile(String name, String sha256) {}

    private static final IdxFile TRAIN_IMAGES = new IdxFile("train-images-idx3-ubyte",
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888");
    private static final IdxFile TRAIN_LABELS = new IdxFile("train-labels-idx1-ubyte",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9");
    private static final IdxFile TEST_IMAGES = new IdxFile("t10k-images-idx3-ubyte",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b");
    private static final IdxFile TEST_LABELS = new IdxFile("t10k-labels-idx1-ubyte",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");

    private FashionMnist() {}

    /**
     * @param directory where the IDX files are (plain or .gz); null for the default search
     * @param downloadDir where to download when nothing is found locally; null to never download
     */
    public static LabeledImages load(Path directory, String split, int size, Path downloadDir) {
        boolean train = "train".equals(split);
        IdxFile imagesFile = train ? TRAIN_IMAGES : TEST_IMAGES;
        IdxFile labelsFile = train ? TRAIN_LABELS : TEST_LABELS;
        Path dir = locate(directory, imagesFile, downloadDir, List.of(imagesFile, labelsFile));
        byte[] images = readVerified(dir, imagesFile);
        byte[] labels = readVerified(dir, labelsFile);
        return decode("fashion-mnist/" + split, images, labels, size);
    }

    private static Path locate(Path configured, IdxFile probe, Path downloadDir, List<IdxFile> needed) {
        if (configured != null) {
            if (find(configured, probe) == null) {
                throw new DatasetException("dataset.path " + configured + ": no " + probe.name() + "(.gz) there");
            }
            return configured;
        }
        if (find(DEBIAN_DIR, probe) != null) {
            return DEBIAN_DIR;
        }
        if (downloadDir != null) {
            if (find(downloadDir, probe) != null) {
                return downloadDir;
            }
            try {
                for (IdxFile f : needed) {
                    download(f, downloadDir);
                }
                return downloadDir;
            } catch (IOException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new DatasetUnavailableException("Fashion-MNIST not found in " + DEBIAN_DIR + " and the download from "
                        + DOWNLOAD_BASE + " failed (" + e.getMessage() + "). Install it with: apt-get install "
                        + APT_PACKAGE + ", or set dataset.path", e);
            }
        }
        throw new DatasetException("Fashion-MNIST not found in " + DEBIAN_DIR + ". Install it with: apt-get install "
                + APT_PACKAGE + ", or set dataset.path to a directory with the IDX files");
    }

    private static Path find(Path dir, IdxFile f) {
        for (Path p : List.of(dir.resolve(f.name() + ".gz"), dir.resolve(f.name()))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static void download(IdxFile f, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path target = dir.resolve(f.name() + ".gz");
        // Several workers on one machine may download at once: each into its own file, renamed atomically.
        Path partial = dir.resolve(f.name() + ".gz.part-" + java.util.UUID.randomUUID());
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(java.time.Duration.ofSeconds(20)).build();
        HttpResponse<Path> response = client.send(HttpRequest.newBuilder(URI.create(DOWNLOAD_BASE + f.name() + ".gz"))
                .build(), HttpResponse.BodyHandlers.ofFile(partial));
        try {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + " for " + f.name());
            }
            try {
                readVerified(new IdxFile(f.name() + ".gz", f.sha256()), partial);
            } catch (DatasetException damaged) {
                throw new IOException("the downloaded " + f.name() + ".gz is damaged: " + damaged.getMessage(), damaged);
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** No Fashion-MNIST IDX file is larger (train images: 47,040,016 bytes). */
    static final int MAX_IDX_BYTES = 64 << 20;

    private static byte[] readVerified(Path dir, IdxFile f) {
        Path path = find(dir, f);
        if (path == null) {
            throw new DatasetException(dir + ": missing " + f.name() + "(.gz)");
        }
        return readVerified(f, path);
    }

    private static byte[] readVerified(IdxFile f, Path path) {
        byte[] bytes;
        try (InputStream raw = Files.newInputStream(path);
                InputStream in = path.getFileName().toString().contains(".gz") ? new GZIPInputStream(raw) : raw) {
            // The largest file (train images) is 47 MB: a file that inflates past the limit is refused unread.
            bytes = in.readNBytes(MAX_IDX_BYTES + 1);
            if (bytes.length > MAX_IDX_BYTES) {
                throw new DatasetException(path + ": larger than " + MAX_IDX_BYTES + " bytes once decompressed; not Fashion-MNIST");
            }
        } catch (IOException e) {
            throw new DatasetException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        String actual = sha256(bytes);
        if (!actual.equals(f.sha256())) {
            throw new DatasetException(path + ": SHA-256 of the decompressed data is " + actual + ", expected "
                    + f.sha256() + " (corrupt or not Fashion-MNIST)");
        }
        return bytes;
    }

    /**
     * Decodes IDX3 images and IDX1 labels; public for tests and for other IDX datasets. The
     * headers are checked against the bytes that follow them, in long arithmetic, before anything
     * is allocated: a header may claim any count and dimensions, and an IDX file holds exactly its
     * header and data.
     */
    public static LabeledImages decode(String name, byte[] imageIdx, byte[] labelIdx, int size) {
        if (imageIdx.length < 16 || labelIdx.length < 8) {
            throw new DatasetException(name + ": truncated IDX header (" + imageIdx.length + " image and " + labelIdx.length
                    + " label bytes)");
        }
        ByteBuffer im = ByteBuffer.wrap(imageIdx);  // IDX is big-endian, as ByteBuffer
        ByteBuffer lb = ByteBuffer.wrap(labelIdx);
        if (im.getInt(0) != 0x803 || lb.getInt(0) != 0x801) {
            throw new DatasetException(name + ": not IDX image/label files (bad magic number)");
        }
        int count = im.getInt(4);
        int rows = im.getInt(8);
        int cols = im.getInt(12);
        if (lb.getInt(4) != count) {
            throw new DatasetException(name + ": image and label files disagree on the count (" + count + " images, "
                    + lb.getInt(4) + " labels)");
        }
        if (count < 1 || rows < 1 || cols < 1) {
            throw new DatasetException(name + ": IDX header claims " + count + " images of " + rows + "x" + cols + " pixels");
        }
        long perImage = (long) rows * cols;
        // One factor at a time: once perImage is at most the file's length, count * perImage stays within a long.
        if (perImage > imageIdx.length || 16 + count * perImage != imageIdx.length || 8L + count != labelIdx.length) {
            throw new DatasetException(name + ": IDX header claims " + count + " images of " + rows + "x" + cols
                    + " pixels, but the image file has " + imageIdx.length + " bytes and the label file " + labelIdx.length
                    + " (truncated, padded or not these files)");
        }
        byte[] src = new byte[rows * cols];
        byte[] pixels = LabeledImages.pixelBuffer("fashion-mnist", count, 1, size);
        int[] labels = new int[count];
        im.position(16);
        lb.position(8);
        for (int i = 0; i < count; i++) {
            im.get(src);
            ImageFit.fit(src, 1, rows, cols, pixels, i * size * size, size, 0);
            labels[i] = lb.get() & 0xff;
            if (labels[i] >= CLASS_NAMES.size()) {
                throw new DatasetException(name + ": label " + labels[i] + " at index " + i + " is out of range");
            }
        }
        return new LabeledImages(name, count, 1, size, pixels, labels, CLASS_NAMES);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
