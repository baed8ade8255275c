package org.biggan4j.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Opens a dataset from a path, detecting its format:
 * <ul>
 *   <li>a packed file (starts with {@code BG4JPACK}, see {@link PackedFormat});</li>
 *   <li>an idx images file or a folder of idx pairs (MNIST, Fashion-MNIST);</li>
 *   <li>a CIFAR-10 or CIFAR-100 binary folder;</li>
 *   <li>a labels file ({@code .tsv}, {@code .csv}, {@code .txt}: multi-label images);</li>
 *   <li>any other folder: a class-per-folder image tree.</li>
 * </ul>
 * With no path, the default is Fashion-MNIST: the full 70k set (train + t10k) when installed at
 * {@link #SYSTEM_FASHION_MNIST} (Debian's {@code dataset-fashion-mnist}), otherwise the 10k t10k
 * set bundled in the jar.
 */
public final class DataSources {

    private static final Logger LOG = LoggerFactory.getLogger(DataSources.class);

    /** Where Debian's {@code dataset-fashion-mnist} package installs the dataset. */
    public static final Path SYSTEM_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    /** The bundled Fashion-MNIST t10k files (classpath folder). */
    public static final String BUNDLED_FASHION_MNIST = "/org/biggan4j/data/fashion-mnist/";

    private DataSources() {
    }

    /**
     * Opens {@code path} (or the default dataset when {@code path} is {@code null}) with
     * {@code options}; a resolution or channel count other than a fixed-size source's own gives a
     * resampling view.
     *
     * @throws DataFormatException naming the path and the fix when it cannot be used
     */
    public static LabelledImages open(Path path, DataOptions options) {
        return open(path, options, options.resolution());
    }

    /**
     * Opens real images to compare with a model of {@code resolution} (nearest neighbours, the
     * memorisation test): formats of fixed-size images keep their size, so that the loader fits
     * them to the model exactly as training did; image files are decoded at {@code resolution}.
     */
    public static LabelledImages openForModel(Path path, int channels, int resolution) {
        return openForModel(path, DataOptions.defaults().withChannels(channels), resolution);
    }

    /** {@link #openForModel(Path, int, int)} with further options (a split, class names). */
    public static LabelledImages openForModel(Path path, DataOptions options, int resolution) {
        return open(path, options, resolution);
    }

    private static LabelledImages open(Path path, DataOptions options, int decodeResolution) {
        if (path == null) {
            return openDefault(options);
        }
        if (!Files.exists(path)) {
            throw new DataFormatException("Data path " + path + " does not exist: give a packed file, an idx or CIFAR"
                    + " folder, an image folder or a labels file.");
        }
        if (Files.isDirectory(path)) {
            if (IdxFiles.isIdxFolder(path)) {
                return adapt(IdxFiles.read(select(IdxFiles.pairs(path), options.split(), path.toString()),
                        options.classNames(), path.toAbsolutePath().toString()), options);
            }
            if (CifarFiles.detect(path) != null) {
                return adapt(CifarFiles.read(path, options.split(), options.classNames()), options);
            }
            return ImageFiles.folder(path, requireResolution(path, decodeResolution), imageChannels(options),
                    options.classNames());
        }
        if (PackedImages.isPacked(path)) {
            PackedImages packed = PackedImages.open(path);
            if (options.classNames() != null) {
                LOG.warn("Ignoring the given class names: {} stores its own.", path);
            }
            return adapt(packed, options);
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (IdxFiles.isImagesFile(path)) {
            return adapt(IdxFiles.read(IdxFiles.pairs(path), options.classNames(), path.toAbsolutePath().toString()),
                    options);
        }
        if (name.endsWith(".tsv") || name.endsWith(".csv") || name.endsWith(".txt")) {
            return ImageFiles.labelsFile(path, requireResolution(path, decodeResolution), imageChannels(options),
                    options.classNames());
        }
        if (name.endsWith(".bin") && CifarFiles.detect(path.toAbsolutePath().getParent()) != null) {
            throw new DataFormatException("File " + path + " is one CIFAR batch: point --data at its folder "
                    + path.toAbsolutePath().getParent() + ".");
        }
        throw new DataFormatException("Cannot tell the format of " + path + ": give a packed file (biggan4j prepare),"
                + " an idx images file, a CIFAR folder, an image folder or a .tsv/.csv labels file.");
    }

    /** The default dataset: full Fashion-MNIST when installed, else the bundled t10k set. */
    public static LabelledImages openDefault(DataOptions options) {
        if (hasFullFashionMnist(SYSTEM_FASHION_MNIST)) {
            return open(SYSTEM_FASHION_MNIST, options);
        }
        if (!options.split().includes(DataOptions.Split.TEST)) {
            throw new DataFormatException("The bundled Fashion-MNIST holds only the t10k (test) split and "
                    + SYSTEM_FASHION_MNIST + " is absent: use --split all or test, or give --data.");
        }
        IdxFiles.Pair pair = new IdxFiles.Pair(
                IdxFiles.Source.resource(BUNDLED_FASHION_MNIST + "t10k-images-idx3-ubyte.gz"),
                IdxFiles.Source.resource(BUNDLED_FASHION_MNIST + "t10k-labels-idx1-ubyte.gz"),
                DataOptions.Split.TEST);
        return adapt(IdxFiles.read(List.of(pair), options.classNames(), "bundled fashion-mnist t10k"), options);
    }

    /** A name for the default dataset, for provenance. */
    public static String defaultName() {
        return hasFullFashionMnist(SYSTEM_FASHION_MNIST) ? SYSTEM_FASHION_MNIST.toString()
                : "classpath:" + BUNDLED_FASHION_MNIST;
    }

    /** True when {@code dir} holds Fashion-MNIST's train and t10k pairs. */
    static boolean hasFullFashionMnist(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        for (String prefix : List.of("train", "t10k")) {
            boolean images = Files.isRegularFile(dir.resolve(prefix + "-images-idx3-ubyte.gz"))
                    || Files.isRegularFile(dir.resolve(prefix + "-images-idx3-ubyte"));
            boolean labels = Files.isRegularFile(dir.resolve(prefix + "-labels-idx1-ubyte.gz"))
                    || Files.isRegularFile(dir.resolve(prefix + "-labels-idx1-ubyte"));
            if (!images || !labels) {
                return false;
            }
        }
        return true;
    }

    private static List<IdxFiles.Pair> select(List<IdxFiles.Pair> pairs, DataOptions.Split split, String name) {
        List<IdxFiles.Pair> chosen = pairs.stream().filter(p -> split.includes(p.split())).toList();
        if (chosen.isEmpty()) {
            throw new DataFormatException("Folder " + name + " has no " + split.name().toLowerCase(Locale.ROOT)
                    + " idx files: choose another --split.");
        }
        return chosen;
    }

    private static LabelledImages adapt(LabelledImages source, DataOptions options) {
        return ResampledImages.of(source, options.resolution(), options.channels());
    }

    private static int requireResolution(Path path, int resolution) {
        if (resolution == 0) {
            throw new DataFormatException("Image data " + path + " needs a resolution to crop and resize to: pass"
                    + " --resolution (for example 128).");
        }
        return resolution;
    }

    private static int imageChannels(DataOptions options) {
        return options.channels() == 0 ? 3 : options.channels();
    }
}
