package org.biggan4j.image;

import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Grids of images ("sheets") as PNG: real data for a quick look, generated samples during and
 * after training. Images fill the grid row by row; optional row labels (class names) are drawn in
 * a left margin.
 */
public final class ImageSheet {

    /** The colour between and around tiles: dark grey, so both black and white images stand out. */
    private static final Color BACKGROUND = new Color(32, 32, 32);
    private static final Color TEXT = new Color(230, 230, 230);

    private ImageSheet() {
    }

    /**
     * Writes a sheet of {@code images} ({@code [B, C, H, W]}, values in [-1, 1], C = 1 or 3, any
     * device) to {@code out} as PNG, atomically.
     *
     * @param columns   tiles per row (B need not be a multiple: the last row may be short)
     * @param padding   pixels between and around tiles
     * @param rowLabels one label per row, or an empty list for none
     */
    public static void write(Tensor images, Path out, int columns, int padding, List<String> rowLabels) {
        PngFiles.write(grid(fromTensor(images), columns, padding, rowLabels), out);
    }

    /** Writes a sheet of CHW byte images (all the same size and channel count) to {@code out}. */
    public static void write(List<ImageBytes> images, Path out, int columns, int padding, List<String> rowLabels) {
        PngFiles.write(grid(images, columns, padding, rowLabels), out);
    }

    /**
     * Converts {@code [B, C, H, W]} values in [-1, 1] to bytes: {@code round((x + 1) * 127.5)},
     * clamped to 0..255. The inverse of the loader's {@code x / 127.5 - 1}.
     */
    public static List<ImageBytes> fromTensor(Tensor images) {
        long[] shape = Tensors.shape(images);
        if (shape.length != 4 || (shape[1] != 1 && shape[1] != 3)) {
            throw new IllegalArgumentException("A sheet needs images shaped [B, C, H, W] with C = 1 or 3, got "
                    + Arrays.toString(shape) + ".");
        }
        int b = (int) shape[0];
        int c = (int) shape[1];
        int h = (int) shape[2];
        int w = (int) shape[3];
        float[] values = Tensors.toFloats(images);
        int size = c * h * w;
        List<ImageBytes> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            byte[] chw = new byte[size];
            for (int k = 0; k < size; k++) {
                float v = values[i * size + k];
                // NaN (a diverged generator) shows as black rather than failing the sheet.
                long q = Float.isNaN(v) ? 0 : Math.round((v + 1.0) * 127.5);
                chw[k] = (byte) Math.max(0, Math.min(255, q));
            }
            out.add(new ImageBytes(c, h, w, chw));
        }
        return out;
    }

    /** Lays out {@code images} in rows of {@code columns}, with an optional label per row. */
    public static BufferedImage grid(List<ImageBytes> images, int columns, int padding, List<String> rowLabels) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("A sheet needs at least one image.");
        }
        if (columns <= 0 || padding < 0) {
            throw new IllegalArgumentException("A sheet needs columns >= 1 and padding >= 0, got columns "
                    + columns + " and padding " + padding + ".");
        }
        ImageBytes first = images.get(0);
        int h = first.height();
        int w = first.width();
        for (ImageBytes im : images) {
            if (im.height() != h || im.width() != w || im.channels() != first.channels()) {
                throw new IllegalArgumentException("All images of a sheet must share one size; got "
                        + first.width() + "x" + first.height() + " and " + im.width() + "x" + im.height() + ".");
            }
        }
        int rows = (images.size() + columns - 1) / columns;
        if (!rowLabels.isEmpty() && rowLabels.size() != rows) {
            throw new IllegalArgumentException("A sheet of " + rows + " rows needs " + rows + " row labels, got "
                    + rowLabels.size() + ".");
        }
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(10, Math.min(16, h / 2)));
        // A class name can be arbitrarily long (labels files, checkpoints): the label column is
        // capped and longer labels are elided, so a name cannot make the sheet's pixel count
        // overflow (issue 19: a very long class name ended in "error: -865864976").
        int maxLabel = Math.max(MAX_LABEL_WIDTH, 2 * w);
        int margin = rowLabels.isEmpty() ? 0 : Math.min(maxLabel, labelWidth(rowLabels, font)) + padding + 4;
        int width = margin + columns * (w + padding) + padding;
        int height = rows * (h + padding) + padding;
        BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        try {
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, width, height);
            for (int i = 0; i < images.size(); i++) {
                int x = margin + padding + (i % columns) * (w + padding);
                int y = padding + (i / columns) * (h + padding);
                g.drawImage(ImageDecoding.toBufferedImage(images.get(i)), x, y, null);
            }
            if (!rowLabels.isEmpty()) {
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setFont(font);
                g.setColor(TEXT);
                FontMetrics fm = g.getFontMetrics();
                for (int r = 0; r < rows; r++) {
                    int y = padding + r * (h + padding) + (h + fm.getAscent() - fm.getDescent()) / 2;
                    g.drawString(elide(rowLabels.get(r), fm, maxLabel), padding + 2, y);
                }
            }
        } finally {
            g.dispose();
        }
        return sheet;
    }

    /** The widest label column in pixels (unless the images are wider): room for any real class name. */
    static final int MAX_LABEL_WIDTH = 480;

    /** {@code label} cut with an ellipsis to fit {@code width} pixels. */
    static String elide(String label, FontMetrics fm, int width) {
        if (fm.stringWidth(label) <= width) {
            return label;
        }
        // Glyphs are at least a pixel wide, so at most `width` characters can fit: cut there first.
        String cut = label.substring(0, Math.min(label.length(), width));
        while (!cut.isEmpty() && fm.stringWidth(cut + "\u2026") > width) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "\u2026";
    }

    private static int labelWidth(List<String> labels, Font font) {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            FontMetrics fm = g.getFontMetrics(font);
            int max = 0;
            for (String s : labels) {
                // stringWidth of a megabyte-long name is slow and can overflow an int: measure a prefix.
                String measured = s.length() > 4 * MAX_LABEL_WIDTH ? s.substring(0, 4 * MAX_LABEL_WIDTH) : s;
                max = Math.max(max, fm.stringWidth(measured));
            }
            return max;
        } finally {
            g.dispose();
        }
    }
}
