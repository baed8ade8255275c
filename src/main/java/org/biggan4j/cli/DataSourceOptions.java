package org.biggan4j.cli;

import org.biggan4j.data.DataOptions;
import org.biggan4j.data.DataSources;
import org.biggan4j.data.LabelledImages;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** Options naming a dataset: {@code --data}, {@code --resolution}, {@code --grayscale}, {@code --split}, {@code --class-names}. */
public final class DataSourceOptions {

    @Option(names = "--data", paramLabel = "PATH",
            description = "A packed file, idx file or folder (MNIST, Fashion-MNIST), CIFAR-10/100 binary folder, "
                    + "class-per-folder image tree, or labels file (.tsv/.csv: path<TAB>label1,label2). "
                    + "Default: Fashion-MNIST (the full 70k set from /usr/share/datasets/fashion-mnist when "
                    + "installed, else the bundled 10k test set).")
    Path data;

    @Option(names = "--resolution", paramLabel = "R", defaultValue = "0",
            description = "Image side in pixels: centre crop + area resampling for image files (required "
                    + "there); other sources are area-resampled when R differs from theirs. 0 = the source's own.")
    int resolution;

    @Option(names = "--grayscale", description = "One channel (ITU-R 601 luma) instead of RGB.")
    boolean grayscale;

    @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "ALL",
            description = "For idx and CIFAR: TRAIN, TEST or ALL (default: ${DEFAULT-VALUE}).")
    DataOptions.Split split;

    @Option(names = "--class-names", paramLabel = "NAMES", split = ",",
            description = "Class names in label order, comma-separated (overrides the detected ones).")
    List<String> classNames;

    /** The options as a record. */
    public DataOptions options() {
        return new DataOptions(resolution, grayscale ? 1 : 0, split, classNames);
    }

    /** Opens the dataset. */
    public LabelledImages open() {
        return DataSources.open(data, options());
    }

    /** The data path, or the default dataset's name. */
    public String sourceName() {
        return data == null ? DataSources.defaultName() : data.toAbsolutePath().normalize().toString();
    }

    /** The data path, or {@code null} for the default. */
    public Path path() {
        return data;
    }
}
