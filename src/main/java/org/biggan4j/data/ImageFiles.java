package org.biggan4j.data;

import org.biggan4j.image.AreaResize;
import org.biggan4j.image.ImageBytes;
import org.biggan4j.image.ImageDecoding;
import org.biggan4j.image.UnreadableImageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Image files decoded on demand: a class-per-folder tree (ImageNet, LSUN style) or a labels file
 * listing each image with one or more labels (multi-label data, the JFT-300M treatment).
 *
 * <p>Every image is preprocessed as the BigGAN paper does (SPEC section 3): centre crop of the
 * long edge to a square, then area resampling to the resolution (see {@link AreaResize}), to RGB
 * or grayscale. {@link #read} throws {@link UnreadableImageException} for a file that cannot be
 * decoded; the packer and the loader skip and count those.
 */
public final class ImageFiles extends ShapedImages {

    private static final Logger LOG = LoggerFactory.getLogger(ImageFiles.class);

    /** File name extensions read as images (ImageIO's built-in readers). */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private final List<Path> files;
    private final int[][] labels;
    private final boolean multiLabel;
    private final String description;

    private ImageFiles(List<Path> files, int[][] labels, List<String> classNames, int resolution, int channels,
                       boolean multiLabel, String source) {
        super(channels, DataOptions.checkResolution(resolution), classNames);
        this.files = List.copyOf(files);
        this.labels = labels;
        this.multiLabel = multiLabel;
        this.description = source + " (" + files.size() + " files, " + classNames.size() + " classes), "
                + preprocessing(resolution, channels);
    }

    /** The preprocessing of image files, in words (stored in packed headers). */
    public static String preprocessing(int resolution, int channels) {
        return "centre crop to the short side, area resampling to " + resolution + "x" + resolution + ", "
                + (channels == 1 ? "grayscale (ITU-R 601 luma)" : "RGB") + ", alpha dropped";
    }

    /** True when {@code file}'s extension is one of {@link #EXTENSIONS}. */
    public static boolean isImageFile(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))
                && !name.startsWith(".");
    }

    /**
     * A class-per-folder tree: each subfolder of {@code root} is a class (sorted by name) and holds
     * its images, nested folders included. A folder with images and no subfolders is one class.
     *
     * @throws DataFormatException for an empty folder or a class folder without images
     */
    public static ImageFiles folder(Path root, int resolution, int channels, List<String> classNames) {
        DataOptions.checkResolution(resolution);
        List<Path> classDirs;
        List<Path> looseImages;
        try (Stream<Path> entries = Files.list(root)) {
            List<Path> all = entries.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            classDirs = all.stream().filter(Files::isDirectory).toList();
            looseImages = all.stream().filter(p -> Files.isRegularFile(p) && isImageFile(p)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list " + root + ": " + e.getMessage(), e);
        }
        List<Path> files = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (classDirs.isEmpty()) {
            if (looseImages.isEmpty()) {
                throw new DataFormatException("Folder " + root + " holds no images (" + String.join(", ", new TreeSet<>(EXTENSIONS))
                        + ") and no class folders: put images in one subfolder per class.");
            }
            names.add(root.toAbsolutePath().normalize().getFileName() == null ? "images"
                    : root.toAbsolutePath().normalize().getFileName().toString());
            for (Path p : looseImages) {
                files.add(p);
                labels.add(new int[] {0});
            }
        } else {
            if (!looseImages.isEmpty()) {
                LOG.warn("Ignoring {} image(s) directly in {}: with class folders present, images belong in them.",
                        looseImages.size(), root);
            }
            for (Path dir : classDirs) {
                List<Path> images;
                try (Stream<Path> walk = Files.walk(dir)) {
                    images = walk.filter(p -> Files.isRegularFile(p) && isImageFile(p)).sorted().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("Could not list " + dir + ": " + e.getMessage(), e);
                }
                if (images.isEmpty()) {
                    throw new DataFormatException("Class folder " + dir + " holds no images (" + String.join(", ",
                            new TreeSet<>(EXTENSIONS)) + "): add images to it or remove it.");
                }
                int label = names.size();
                names.add(dir.getFileName().toString());
                for (Path p : images) {
                    files.add(p);
                    labels.add(new int[] {label});
                }
            }
        }
        List<String> finalNames = overrideNames(names, classNames, root);
        return new ImageFiles(files, labels.toArray(new int[0][]), finalNames, resolution, channels, false,
                "image folder " + root);
    }

    /**
     * A labels file: one image per line, {@code relative/path.jpg<TAB>label1,label2} (or, without a
     * tab, the path up to the first comma, then labels separated by commas or semicolons). Paths are
     * relative to the file's folder; blank lines and lines starting with {@code #} are ignored.
     * Class names are the distinct labels, sorted (numerically when all are integers).
     *
     * @throws DataFormatException for an empty file or a line without labels
     */
    public static ImageFiles labelsFile(Path file, int resolution, int channels, List<String> classNames) {
        DataOptions.checkResolution(resolution);
        List<String> lines;
        try {
            lines = TextFiles.lines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + file + ": " + e.getMessage(), e);
        }
        Path base = file.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        List<List<String>> rawLabels = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int tab = line.indexOf('\t');
            int cut = tab >= 0 ? tab : line.indexOf(',');
            String path = cut < 0 ? line : line.substring(0, cut).strip();
            List<String> labs = cut < 0 ? List.of() : Stream.of(line.substring(cut + 1).split("[,;]"))
                    .map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
            if (labs.isEmpty()) {
                throw new DataFormatException("Line " + (i + 1) + " of " + file + " has no labels ('" + shorten(line)
                        + "'): write 'path<TAB>label1,label2'.");
            }
            try {
                files.add(base.resolve(path));
            } catch (InvalidPathException e) {
                throw new DataFormatException("Line " + (i + 1) + " of " + file + " names no usable path ('"
                        + shorten(path) + "': " + e.getReason() + "): write 'path<TAB>label1,label2'.");
            }
            rawLabels.add(labs);
        }
        if (files.isEmpty()) {
            throw new DataFormatException("Labels file " + file + " lists no images: write one"
                    + " 'path<TAB>label1,label2' line per image.");
        }
        TreeSet<String> distinct = new TreeSet<>(LABEL_ORDER);
        rawLabels.forEach(distinct::addAll);
        List<String> names = new ArrayList<>(distinct);
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        int[][] labels = new int[files.size()][];
        boolean multi = false;
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rawLabels.get(i).stream().mapToInt(index::get).toArray();
            multi |= labels[i].length > 1;
        }
        List<String> finalNames = overrideNames(names, classNames, file);
        return new ImageFiles(files, labels, finalNames, resolution, channels, multi, "labels file " + file);
    }

    /** At most 80 characters of a line, for messages. */
    private static String shorten(String line) {
        String one = line.replaceAll("\\p{Cntrl}+", " ");
        return one.length() <= 80 ? one : one.substring(0, 77) + "...";
    }

    /** Integers numerically, then everything else alphabetically. */
    private static final Comparator<String> LABEL_ORDER = (a, b) -> {
        boolean ia = a.matches("-?\\d{1,9}");
        boolean ib = b.matches("-?\\d{1,9}");
        if (ia && ib) {
            return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
        }
        if (ia != ib) {
            return ia ? -1 : 1;
        }
        return a.compareTo(b);
    };

    private static List<String> overrideNames(List<String> detected, List<String> given, Path source) {
        if (given == null) {
            return detected;
        }
        if (given.size() != detected.size()) {
            throw new DataFormatException(source + " has " + detected.size() + " classes but " + given.size()
                    + " class names were given: give one name per class.");
        }
        return given;
    }

    /** The file of image {@code index}. */
    public Path file(int index) {
        return files.get(index);
    }

    @Override
    public int count() {
        return files.size();
    }

    @Override
    public int label(int index) {
        return labels[index][0];
    }

    @Override
    public int[] labels(int index) {
        return labels[index].clone();
    }

    @Override
    public boolean multiLabel() {
        return multiLabel;
    }

    @Override
    public boolean decodesFiles() {
        return true;
    }

    @Override
    public void read(int index, byte[] dst, int offset) {
        ImageBytes decoded = ImageDecoding.read(files.get(index), channels);
        ImageBytes square = AreaResize.cropAndResize(decoded, resolution);
        System.arraycopy(square.chw(), 0, dst, offset, square.chw().length);
    }

    @Override
    public String description() {
        return description;
    }
}
