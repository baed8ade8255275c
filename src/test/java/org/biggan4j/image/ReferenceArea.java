package org.biggan4j.image;

/** Test-only reference for area resampling, written independently of {@link AreaResize}. */
public final class ReferenceArea {

    private ReferenceArea() {
    }

    /**
     * An independent reference: for each output pixel, the mean of the source square it covers,
     * with every source pixel weighted by its overlap area (computed in floating point in source
     * coordinates, pixel by pixel, without separating the axes).
     */
    public static double[] average(ImageBytes image, int top, int left, int side, int target) {
        double scale = (double) side / target;
        double[] out = new double[image.channels() * target * target];
        for (int c = 0; c < image.channels(); c++) {
            for (int i = 0; i < target; i++) {
                for (int j = 0; j < target; j++) {
                    double y0 = i * scale;
                    double y1 = (i + 1) * scale;
                    double x0 = j * scale;
                    double x1 = (j + 1) * scale;
                    double sum = 0;
                    double area = 0;
                    for (int y = (int) Math.floor(y0); y < Math.ceil(y1) && y < side; y++) {
                        double hy = Math.min(y1, y + 1) - Math.max(y0, y);
                        for (int x = (int) Math.floor(x0); x < Math.ceil(x1) && x < side; x++) {
                            double wx = Math.min(x1, x + 1) - Math.max(x0, x);
                            if (hy > 0 && wx > 0) {
                                sum += hy * wx * image.get(c, top + y, left + x);
                                area += hy * wx;
                            }
                        }
                    }
                    out[(c * target + i) * target + j] = sum / area;
                }
            }
        }
        return out;
    }
}
