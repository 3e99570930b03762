package dev.gantry.sampling;

import dev.gantry.spec.GeneratorChoice;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Renders samples as a PNG grid: one row per class, labelled; optionally followed, on each row,
 * by the first sample with marked query points and the attention map of each query (the
 * paper's Figure 5), from the generator's last attention layer.
 */
public final class SampleGrid {
    private static final int PAD = 2;
    private static final int LABEL_WIDTH = 96;
    private static final Color[] QUERY_COLORS = {Color.RED, Color.GREEN, Color.CYAN, Color.MAGENTA};

    private SampleGrid() {}

    /**
     * A grid of {@code perClass} samples of every class from a training state, with the last
     * attention layer's maps for three query points when {@code withAttention} and the generator
     * has attention. Deterministic for (state, seed).
     */
    public static BufferedImage of(dev.gantry.training.TrainingState state, int perClass, long seed, boolean withAttention,
            int scale) {
        return of(state, GeneratorChoice.RAW, perClass, seed, withAttention, scale);
    }

    /** The same grid from the chosen generator (the same noise, so raw and EMA grids compare cell by cell). */
    public static BufferedImage of(dev.gantry.training.TrainingState state, GeneratorChoice generator, int perClass,
            long seed, boolean withAttention, int scale) {
        int classes = state.modelConfig().numClasses();
        long[] labels = new long[classes * perClass];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i / perClass;
        }
        Sampler.Samples samples = new Sampler(state.model(), generator).generate(labels, seed, withAttention);
        List<int[]> queries = List.of();
        if (withAttention && !samples.attention().isEmpty()) {
            Sampler.AttentionMap map = samples.attention().get(samples.attention().size() - 1);
            int h = map.height();
            int w = map.width();
            queries = List.of(new int[] {h / 4, w / 4}, new int[] {h / 2, w / 2}, new int[] {3 * h / 4, 3 * w / 4});
        }
        return render(samples, state.classNames(), perClass, scale, queries);
    }

    /**
     * @param samples rows * perRow images, row r holding class r
     * @param scale pixel magnification (small images are hard to see at 1:1)
     * @param queries attention query positions as (y, x) in feature-map coordinates; empty for none
     */
    public static BufferedImage render(Sampler.Samples samples, List<String> classNames, int perRow, int scale,
            List<int[]> queries) {
        int rows = samples.count() / perRow;
        int cell = samples.size() * scale;
        Sampler.AttentionMap attention = samples.attention().isEmpty() || queries.isEmpty() ? null
                : samples.attention().get(samples.attention().size() - 1);
        int extra = attention == null ? 0 : 1 + queries.size();
        int width = LABEL_WIDTH + (perRow + extra) * (cell + PAD) + (extra > 0 ? 3 * PAD : 0);
        int height = rows * (cell + PAD) + PAD;
        BufferedImage grid = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        for (int r = 0; r < rows; r++) {
            int y = PAD + r * (cell + PAD);
            label(g, r < classNames.size() ? classNames.get(r) : "class " + r, 4, y + cell / 2);
            for (int c = 0; c < perRow; c++) {
                drawImage(grid, samples, r * perRow + c, LABEL_WIDTH + c * (cell + PAD), y, scale);
            }
            if (attention != null) {
                int x0 = LABEL_WIDTH + perRow * (cell + PAD) + 3 * PAD;
                int image = r * perRow;
                drawImage(grid, samples, image, x0, y, scale);
                for (int q = 0; q < queries.size(); q++) {
                    int[] p = queries.get(q);
                    double fy = (p[0] + 0.5) / attention.height() * cell;
                    double fx = (p[1] + 0.5) / attention.width() * cell;
                    g.setColor(QUERY_COLORS[q % QUERY_COLORS.length]);
                    g.setStroke(new BasicStroke(2));
                    g.drawOval(x0 + (int) fx - 3, y + (int) fy - 3, 6, 6);
                    drawAttention(grid, attention, image, p[0] * attention.width() + p[1],
                            x0 + (q + 1) * (cell + PAD), y, cell, QUERY_COLORS[q % QUERY_COLORS.length]);
                }
            }
        }
        g.dispose();
        return grid;
    }

    public static void write(BufferedImage image, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    private static void drawImage(BufferedImage grid, Sampler.Samples s, int index, int x0, int y0, int scale) {
        int size = s.size();
        int plane = size * size;
        int base = index * s.channels() * plane;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int r = toByte(s.pixels()[base + y * size + x]);
                int gr = s.channels() == 3 ? toByte(s.pixels()[base + plane + y * size + x]) : r;
                int b = s.channels() == 3 ? toByte(s.pixels()[base + 2 * plane + y * size + x]) : r;
                int rgb = (r << 16) | (gr << 8) | b;
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        grid.setRGB(x0 + x * scale + dx, y0 + y * scale + dy, rgb);
                    }
                }
            }
        }
    }

    /** A heat map of one query's weights over all key positions, normalised to its maximum. */
    private static void drawAttention(BufferedImage grid, Sampler.AttentionMap map, int image, int query, int x0, int y0,
            int cell, Color tint) {
        int n = map.height() * map.width();
        float max = 1e-12f;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, map.weight(image, query, k));
        }
        for (int y = 0; y < cell; y++) {
            for (int x = 0; x < cell; x++) {
                int key = (y * map.height() / cell) * map.width() + x * map.width() / cell;
                float v = map.weight(image, query, key) / max;
                int r = (int) (v * tint.getRed() + (1 - v) * 16);
                int gr = (int) (v * tint.getGreen() + (1 - v) * 16);
                int b = (int) (v * tint.getBlue() + (1 - v) * 16);
                grid.setRGB(x0 + x, y0 + y, (r << 16) | (gr << 8) | b);
            }
        }
    }

    private static void label(Graphics2D g, String text, int x, int y) {
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(text.length() > 15 ? text.substring(0, 14) + "." : text, x, y + 4);
        } catch (RuntimeException | Error e) {
            // A JRE without fonts cannot draw text; the grid is still useful without labels.
        }
    }

    private static int toByte(float v) {
        return Math.max(0, Math.min(255, Math.round((v + 1f) * 127.5f)));
    }
}
