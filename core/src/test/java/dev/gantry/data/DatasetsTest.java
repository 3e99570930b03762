package dev.gantry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    /** Needs Debian's dataset-fashion-mnist (installed by .ci/run). */
    @Test
    void fashionMnistFromTheDebianPackageHasTheDocumentedCountsAndRange() {
        LabeledImages train = FashionMnist.load(null, "train", 32, null);
        assertEquals(60000, train.count());
        assertArrayEquals(new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, train.classCounts());
        LabeledImages test = FashionMnist.load(FashionMnist.DEBIAN_DIR, "test", 32, null);
        assertEquals(10000, test.count());
        assertEquals(10, test.numClasses());
        assertEquals("Ankle boot", test.classNames().get(9));
        float[] pixels = new float[32 * 32];
        float min = 1, max = -1;
        for (int i = 0; i < 100; i++) {
            test.copyImage(i, pixels, 0);
            for (float p : pixels) {
                min = Math.min(min, p);
                max = Math.max(max, p);
            }
            assertEquals(-1f, pixels[0], "28x28 is centred on a black 2-pixel border");
        }
        assertEquals(-1f, min);
        assertEquals(1f, max);
    }

    @Test
    void corruptOrMissingIdxFilesAreNamed(@TempDir Path dir) throws IOException {
        DatasetException missing = assertThrows(DatasetException.class,
                () -> FashionMnist.load(dir, "train", 32, null));
        assertTrue(missing.getMessage().contains("dataset.path " + dir), missing.getMessage());
        byte[] idx = new byte[16 + 28 * 28];
        idx[2] = 8;
        idx[3] = 3;
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("train-images-idx3-ubyte.gz")))) {
            out.write(idx);
        }
        Files.write(dir.resolve("train-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 3});
        DatasetException corrupt = assertThrows(DatasetException.class, () -> FashionMnist.load(dir, "train", 32, null));
        assertTrue(corrupt.getMessage().contains("train-images-idx3-ubyte.gz: SHA-256"), corrupt.getMessage());
    }

    @Test
    void idxDecodingReadsHeaderPixelsAndLabels() {
        byte[] images = new byte[16 + 2 * 4];
        images[2] = 8;
        images[3] = 3;
        images[7] = 2;
        images[11] = 2;
        images[15] = 2;
        for (int i = 0; i < 8; i++) {
            images[16 + i] = (byte) (i * 30);
        }
        byte[] labels = {0, 0, 8, 1, 0, 0, 0, 2, 7, 3};
        LabeledImages decoded = FashionMnist.decode("tiny", images, labels, 2);
        assertArrayEquals(new int[] {7, 3}, decoded.labels());
        assertEquals((byte) 90, decoded.pixels()[7 - 4]);
    }

    @Test
    void imageFolderUsesSortedSubdirectoriesAsClasses(@TempDir Path root) throws IOException {
        for (String cls : List.of("zebra", "apple")) {
            Files.createDirectories(root.resolve(cls));
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
                int rgb = cls.equals("apple") ? 0xff0000 : 0x0000ff;
                for (int y = 0; y < 40; y++) {
                    for (int x = 0; x < 40; x++) {
                        img.setRGB(x, y, rgb);
                    }
                }
                ImageIO.write(img, "png", root.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        Files.writeString(root.resolve("apple").resolve("notes.txt"), "ignored");
        LabeledImages rgb = ImageFolder.load(root, 3, 32);
        assertEquals(List.of("apple", "zebra"), rgb.classNames());
        assertEquals(6, rgb.count());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, rgb.labels());
        float[] px = new float[3 * 32 * 32];
        rgb.copyImage(0, px, 0);
        assertEquals(1f, px[0], "apple is red");
        assertEquals(-1f, px[2 * 32 * 32], "no blue in red");
        LabeledImages gray = ImageFolder.load(root, 1, 32);
        assertEquals(1, gray.channels());
        assertThrows(DatasetException.class, () -> ImageFolder.load(root.resolve("nope"), 3, 32));
    }

    @Test
    void cifar10BinaryBatchesAreParsed(@TempDir Path dir) throws IOException {
        byte[] record = new byte[3073 * 2];
        record[0] = 6;
        record[3073] = 9;
        record[3073 + 1 + 1024] = (byte) 255; // second image, first green pixel
        Files.write(dir.resolve("test_batch.bin"), record);
        LabeledImages cifar = Cifar10.load(dir, "test", 32);
        assertArrayEquals(new int[] {6, 9}, cifar.labels());
        assertEquals("truck", cifar.classNames().get(9));
        float[] px = new float[3 * 1024];
        cifar.copyImage(1, px, 0);
        assertEquals(1f, px[1024]);
        Files.write(dir.resolve("test_batch.bin"), new byte[100]);
        DatasetException bad = assertThrows(DatasetException.class, () -> Cifar10.load(dir, "test", 32));
        assertTrue(bad.getMessage().contains("not a multiple of 3073"), bad.getMessage());
    }

    @Test
    void dataSetsTooLargeForMemoryAreRefusedNamingTheirSize() {
        DatasetException e = assertThrows(DatasetException.class, () -> LabeledImages.pixelBuffer("cifar10 train", 50000, 3, 128));
        assertTrue(e.getMessage().contains("2457600000 bytes") && e.getMessage().contains("cifar10 train"), e.getMessage());
        assertEquals(3 * 32 * 32 * 10, LabeledImages.pixelBuffer("small", 10, 3, 32).length);
    }

    /** A PNG whose header claims 100,000 x 100,000 pixels: refused from its header, never decoded. */
    @Test
    void anImageClaimingHugeDimensionsIsRefusedUnread(@TempDir Path dir) throws Exception {
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(100_000).putInt(100_000)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        png.write(java.nio.ByteBuffer.allocate(4).putInt(13).array());
        png.write(ihdr.array());
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(ihdr.array());
        png.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        png.write(new byte[] {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xae, 0x42, 0x60, (byte) 0x82});
        Files.write(dir.resolve("bomb.png"), png.toByteArray());
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolder.loadAll(dir, 3, 32));
        assertTrue(e.getMessage().contains("100000x100000") && e.getMessage().contains("bomb.png"), e.getMessage());
    }

    /**
     * Found by IdxFuzzTest: rows 0 threw ArrayIndexOutOfBoundsException, rows -1
     * NegativeArraySizeException, and a 30-byte file claiming a million images allocated a
     * 1 GB pixel buffer before it found the data missing.
     */
    @Test
    void idxHeadersThatLieAboutCountOrDimensionsAreRefusedBeforeAllocating() {
        byte[] labels = java.nio.ByteBuffer.allocate(9).putInt(0x801).putInt(1).put((byte) 3).array();
        for (int[] header : new int[][] {{1, 0, 4}, {1, -1, 4}, {1, 65536, 65536}, {1, 2, 3}, {-5, 2, 2}}) {
            byte[] images = java.nio.ByteBuffer.allocate(16 + 8).putInt(0x803).putInt(header[0]).putInt(header[1])
                    .putInt(header[2]).array();
            byte[] l = header[0] == 1 ? labels : java.nio.ByteBuffer.allocate(8).putInt(0x801).putInt(header[0]).array();
            DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.decode("tiny", images, l, 32),
                    java.util.Arrays.toString(header));
            assertTrue(e.getMessage().startsWith("tiny: IDX header claims"), e.getMessage());
        }
        byte[] millionLabels = java.nio.ByteBuffer.allocate(16).putInt(0x801).putInt(1_000_000).array();
        byte[] millionImages = java.nio.ByteBuffer.allocate(30).putInt(0x803).putInt(1_000_000).putInt(28).putInt(28).array();
        long allocated = Allocations.allocatedBy(() -> assertThrows(DatasetException.class,
                () -> FashionMnist.decode("tiny", millionImages, millionLabels, 32)));
        assertTrue(allocated < 1 << 20, allocated + " bytes allocated for a 30-byte file");
    }

    /**
     * Found by ImageFolderFuzzTest: a few hundred bytes of GIF or JPEG whose header claims 8192 x
     * 8192 pixels decoded "successfully" (the decoders fill missing data with zeros) after 1-2 GB
     * of allocations and seconds of CPU.
     */
    @Test
    void aSmallImageClaimingMorePixelsThanItCanHoldIsRefusedUnread() throws Exception {
        for (String format : new String[] {"gif", "jpg", "png"}) {
            byte[] bytes = TestImages.withDimensions(format, 8192, 8192);
            assertTrue(bytes.length < 1000, format + ": " + bytes.length + " bytes");
            java.util.Map<String, byte[]> objects = new java.util.TreeMap<>(java.util.Map.of("c/forged." + format, bytes));
            long allocated = Allocations.allocatedBy(() -> {
                DatasetException e = assertThrows(DatasetException.class,
                        () -> ImageFolder.load(new TestImages.MemoryStore(objects), "", 3, 32), format);
                assertTrue(e.getMessage().contains("claims 8192x8192 pixels from " + bytes.length + " bytes"), e.getMessage());
            });
            assertTrue(allocated < 16 << 20, format + ": " + allocated + " bytes allocated");
        }
    }

    /**
     * A test batch of 700,000 records (2.15 GB, sparse on disk): refused from its length, before
     * anything is read. Files.readAllBytes threw OutOfMemoryError for it ("Required array size too
     * large"), and a batch of 1.9 GB would have been read whole before its count was checked.
     */
    @Test
    void aCifarBatchTooLargeForMemoryIsRefusedFromItsLengthUnread(@TempDir Path dir) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(dir.resolve("test_batch.bin").toFile(), "rw")) {
            f.setLength(3073L * 700_000);
        }
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar10.load(dir, "test", 32));
        assertTrue(e.getMessage().startsWith("cifar10 test: 700000 images of 3x32x32"), e.getMessage());
    }
}
