package dev.gantry.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Ways files get damaged: flipped bits, overwritten bytes and lengths, truncation, junk inserted. */
public final class Mutations {
    private Mutations() {}

    public static byte[] mutate(byte[] original, SplittableRandom random, int edits) {
        byte[] b = original.clone();
        for (int e = 0; e < edits; e++) {
            if (b.length == 0) {
                return b;
            }
            switch (random.nextInt(7)) {
                case 0 -> b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length));
                case 3 -> {
                    int at = random.nextInt(b.length + 1);
                    byte[] junk = new byte[1 + random.nextInt(16)];
                    random.nextBytes(junk);
                    byte[] out = new byte[b.length + junk.length];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(junk, 0, out, at, junk.length);
                    System.arraycopy(b, at, out, at + junk.length, b.length - at);
                    b = out;
                }
                case 4 -> {  // a length or count field set to something huge or negative
                    if (b.length >= 8) {
                        int at = random.nextInt(b.length - 7);
                        long[] lies = {Long.MAX_VALUE, -1, Integer.MAX_VALUE, 1L << 40, random.nextLong()};
                        ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(lies[random.nextInt(lies.length)]);
                    }
                }
                case 5 -> {  // a digit in a text header (shapes, offsets) replaced
                    for (int tries = 0; tries < 64; tries++) {
                        int at = random.nextInt(b.length);
                        if (b[at] >= '0' && b[at] <= '9') {
                            b[at] = (byte) "0123456789-9".charAt(random.nextInt(12));
                            break;
                        }
                    }
                }
                default -> {
                    int from = random.nextInt(b.length);
                    int len = Math.min(b.length - from, 1 + random.nextInt(32));
                    int to = random.nextInt(b.length - len + 1);
                    System.arraycopy(b, from, b, to, len);
                }
            }
        }
        return b;
    }
}
