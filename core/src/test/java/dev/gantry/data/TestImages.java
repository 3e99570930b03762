package dev.gantry.data;

import dev.gantry.storage.ObjectStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Small valid image files of every format an image folder reads, and forged variants of them. */
final class TestImages {
    /** "png" (ARGB), "gray.png", "jpg", "bmp" and "gif" files of 7 x 5 pixels. */
    static final Map<String, byte[]> VALID = new TreeMap<>();

    static {
        VALID.put("png", encode("png", BufferedImage.TYPE_INT_ARGB));
        VALID.put("gray.png", encode("png", BufferedImage.TYPE_BYTE_GRAY));
        VALID.put("jpg", encode("jpeg", BufferedImage.TYPE_INT_RGB));
        VALID.put("bmp", encode("bmp", BufferedImage.TYPE_INT_RGB));
        VALID.put("gif", encode("gif", BufferedImage.TYPE_BYTE_INDEXED));
    }

    private TestImages() {}

    private static byte[] encode(String format, int type) {
        BufferedImage img = new BufferedImage(7, 5, type);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) {
                img.setRGB(x, y, 0xff000000 | (x * 36) << 16 | (y * 50) << 8 | (x + y) * 20);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The valid image of {@code format} with a header that claims w x h pixels; checksums kept valid where the format has them. */
    static byte[] withDimensions(String format, int w, int h) {
        byte[] b = VALID.get(format).clone();
        ByteBuffer big = ByteBuffer.wrap(b);
        ByteBuffer little = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        switch (format) {
            case "png", "gray.png" -> {  // IHDR at 8: length, "IHDR", width, height, ..., CRC over type and data
                big.putInt(16, w).putInt(20, h);
                CRC32 crc = new CRC32();
                crc.update(b, 12, 17);
                big.putInt(29, (int) crc.getValue());
            }
            case "bmp" -> little.putInt(18, w).putInt(22, h);
            case "gif" -> {  // the logical screen, then the first image descriptor (after the colour table)
                little.putShort(6, (short) w).putShort(8, (short) h);
                for (int i = 13; i < b.length - 9; i++) {
                    if (b[i] == 0x2c) {
                        little.putShort(i + 5, (short) w).putShort(i + 7, (short) h);
                        break;
                    }
                }
            }
            case "jpg" -> {  // the SOF0 segment's height and width
                for (int i = 2; i < b.length - 9; i++) {
                    if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xc0) {
                        big.putShort(i + 5, (short) h).putShort(i + 7, (short) w);
                        break;
                    }
                }
            }
            default -> throw new IllegalArgumentException(format);
        }
        return b;
    }

    /** Objects in memory, for an image folder without a disk. */
    record MemoryStore(Map<String, byte[]> objects) implements ObjectStore {
        @Override
        public void put(String key, byte[] bytes) {
            objects.put(key, bytes);
        }

        @Override
        public boolean putIfAbsent(String key, byte[] bytes) {
            return objects.putIfAbsent(key, bytes) == null;
        }

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.ofNullable(objects.get(key));
        }

        @Override
        public List<String> list(String prefix) {
            return objects.keySet().stream().filter(k -> k.startsWith(prefix)).sorted().toList();
        }

        @Override
        public void delete(String key) {
            objects.remove(key);
        }

        @Override
        public String location() {
            return "memory";
        }
    }
}
