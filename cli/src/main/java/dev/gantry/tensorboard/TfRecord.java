package dev.gantry.tensorboard;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard event files: each record is its length (uint64,
 * little-endian), the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the
 * data. The mask keeps a CRC of data that itself holds CRCs from being trivially predictable
 * (TensorFlow's lib/hash/crc32c.h).
 */
public final class TfRecord {
    private static final int MASK_DELTA = 0xa282ead8;
    private static final int HEADER = 12;

    private TfRecord() {}

    /** The bytes that hold one record. */
    public static byte[] frame(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        b.putInt(maskedCrc32c(b.array(), 0, 8));
        b.put(data);
        b.putInt(maskedCrc32c(data, 0, data.length));
        return b.array();
    }

    public static int maskedCrc32c(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    /**
     * The next record's data; empty at a clean end of the stream.
     *
     * @throws TruncatedRecordException when the stream ends inside a record (a writer still
     *     writing, or one that was killed) or a CRC does not match
     */
    public static Optional<byte[]> read(InputStream in) throws IOException {
        byte[] header = in.readNBytes(HEADER);
        if (header.length == 0) {
            return Optional.empty();
        }
        if (header.length < HEADER) {
            throw new TruncatedRecordException("record header cut short (" + header.length + " of " + HEADER + " bytes)");
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        long length = h.getLong();
        if (h.getInt() != maskedCrc32c(header, 0, 8)) {
            throw new TruncatedRecordException("record length CRC mismatch");
        }
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new TruncatedRecordException("record length " + length + " out of range");
        }
        byte[] data = in.readNBytes((int) length);
        byte[] footer = in.readNBytes(4);
        if (data.length < length || footer.length < 4) {
            throw new TruncatedRecordException("record data cut short");
        }
        if (ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt() != maskedCrc32c(data, 0, data.length)) {
            throw new TruncatedRecordException("record data CRC mismatch");
        }
        return Optional.of(data);
    }

    /** A record that ends early or fails its CRC: what follows it cannot be trusted. */
    public static final class TruncatedRecordException extends EOFException {
        private static final long serialVersionUID = 1L;

        TruncatedRecordException(String message) {
            super(message);
        }
    }
}
