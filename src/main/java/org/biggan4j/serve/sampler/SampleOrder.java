package org.biggan4j.serve.sampler;

import org.biggan4j.run.SamplingJob;
import org.biggan4j.sample.ClassNames;
import org.biggan4j.sample.ClassSelection;
import org.biggan4j.sample.Interpolation;
import org.biggan4j.sample.TrainedGenerator;
import org.biggan4j.tensor.ComputeDevice;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the sampler page asks for, checked, and turned into two equivalent things: the
 * {@link SamplingJob.Request} the server runs and the {@code biggan4j sample} command line that
 * makes the same images. Both are built from one list of options, so they cannot drift apart.
 *
 * @param mode       what to make
 * @param classA     the class (samples, latent interpolation) or first class; null for an unconditional model
 * @param classB     the second class (class interpolation, mixture); null otherwise
 * @param truncation the truncation threshold, 0 = none (for imported BigGAN-deep: in (0, 1], 0 = 1)
 * @param seed       the seed of latents and standing statistics
 * @param toSeed     a latent interpolation's far end: the latent of this seed (its near end is the seed's)
 * @param count      images (samples, mixture), 1 to {@link #MAX_IMAGES}
 * @param steps      frames of an interpolation, 2 to {@link #MAX_IMAGES}
 * @param weight     the mixture's weight of class B in [0, 1], rounded to hundredths
 */
record SampleOrder(Mode mode, Integer classA, Integer classB, double truncation, long seed, long toSeed, int count,
                   int steps, double weight) {

    /** The bound on images per request (the batch a single request may make). */
    static final int MAX_IMAGES = 16;
    /** Beyond this a truncation changes nothing any more (z is N(0, I)). */
    static final double MAX_TRUNCATION = 4.0;

    /** What a request makes. */
    enum Mode {
        /** {@code count} samples of one class. */
        SAMPLES,
        /** One z, the class embedding moving from class A to class B (BigGAN figure 8). */
        CLASS_INTERPOLATION,
        /** One class, z moving linearly from the latent of the seed to the latent of another seed. */
        LATENT_INTERPOLATION,
        /** {@code count} samples of the mixture (1 - weight) A + weight B of two class embeddings. */
        MIXTURE
    }

    SampleOrder {
        if (mode == null) {
            throw new IllegalArgumentException("Say what to make: mode is samples, class_interpolation, "
                    + "latent_interpolation or mixture.");
        }
        if (!(truncation >= 0) || truncation > MAX_TRUNCATION) {
            throw new IllegalArgumentException("The truncation must be from 0 (none) to " + MAX_TRUNCATION + ", got "
                    + truncation + ".");
        }
        if (count < 1 || count > MAX_IMAGES || steps < 2 || steps > MAX_IMAGES) {
            throw new IllegalArgumentException("Ask for 1 to " + MAX_IMAGES + " images and 2 to " + MAX_IMAGES
                    + " interpolation frames.");
        }
        if (seed < 0 || toSeed < 0) {
            throw new IllegalArgumentException("Seeds are whole numbers >= 0, got " + seed + " and " + toSeed + ".");
        }
        if (!(weight >= 0 && weight <= 1)) {
            throw new IllegalArgumentException("The mixture weight must be in [0, 1], got " + weight + ".");
        }
        weight = BigDecimal.valueOf(weight).setScale(2, RoundingMode.HALF_EVEN).doubleValue();
        boolean twoClasses = mode == Mode.CLASS_INTERPOLATION || mode == Mode.MIXTURE;
        if (twoClasses && (classA == null || classB == null || classA.equals(classB))) {
            throw new IllegalArgumentException("A class interpolation or mixture needs two different classes.");
        }
    }

    /** The options of {@code biggan4j sample} after the checkpoint, for a generator with these names. */
    List<String> options(TrainedGenerator trained, ComputeDevice device) {
        int classCount = trained.generator().numClasses();
        if (classCount == 0 && (classA != null || classB != null)) {
            throw new IllegalArgumentException("This generator is unconditional: it takes no classes.");
        }
        if (classCount > 0 && classA == null) {
            throw new IllegalArgumentException("This generator is conditional: choose a class.");
        }
        for (Integer c : new Integer[] {classA, classB}) {
            if (c != null && (c < 0 || c >= classCount)) {
                throw new IllegalArgumentException("Class " + c + " is out of range: this generator has classes 0 to "
                        + (classCount - 1) + ".");
            }
        }
        if ((mode == Mode.CLASS_INTERPOLATION || mode == Mode.MIXTURE) && !trained.generator().acceptsSoftClasses()) {
            throw new IllegalArgumentException("This generator has no shared class embedding, so classes cannot be "
                    + "interpolated or mixed; try samples or a latent interpolation.");
        }
        List<String> o = new ArrayList<>();
        switch (mode) {
            case SAMPLES -> {
                classOption(o, classA, trained.classNames(), classCount);
                o.addAll(List.of("-n", String.valueOf(count)));
            }
            case MIXTURE -> {
                BigDecimal b = BigDecimal.valueOf(weight).stripTrailingZeros();
                BigDecimal a = BigDecimal.ONE.subtract(BigDecimal.valueOf(weight)).stripTrailingZeros();
                o.addAll(List.of("--classes", classA + ":" + a.toPlainString() + "," + classB + ":" + b.toPlainString(),
                        "-n", String.valueOf(count)));
            }
            case CLASS_INTERPOLATION -> {
                // Ids come before names when both are given: name both classes or give both ids, so
                // the interpolation runs from A to B.
                if (nameOf(classA, trained.classNames(), classCount) != null
                        && nameOf(classB, trained.classNames(), classCount) != null) {
                    classOption(o, classA, trained.classNames(), classCount);
                    classOption(o, classB, trained.classNames(), classCount);
                } else {
                    o.addAll(List.of("--classes", classA + "," + classB));
                }
                o.addAll(List.of("--interpolate", "class", "--steps", String.valueOf(steps)));
            }
            case LATENT_INTERPOLATION -> {
                classOption(o, classA, trained.classNames(), classCount);
                o.addAll(List.of("--interpolate", "z", "--steps", String.valueOf(steps), "--to-seed",
                        String.valueOf(toSeed)));
            }
        }
        o.addAll(List.of("--truncation", BigDecimal.valueOf(truncation).stripTrailingZeros().toPlainString(),
                "--seed", String.valueOf(seed)));
        if (!device.type().equals("cpu")) {
            o.addAll(List.of("--device", device.toString()));
        }
        return o;
    }

    /** The job that {@code biggan4j sample CHECKPOINT options...} runs, without its output paths. */
    SamplingJob.Request request(Path checkpoint, List<String> options) {
        List<String> names = new ArrayList<>();
        String ids = null;
        for (int i = 0; i < options.size(); i++) {
            if (options.get(i).equals("--class")) {
                names.add(options.get(i + 1));
            } else if (options.get(i).equals("--classes")) {
                ids = ids == null ? options.get(i + 1) : ids + "," + options.get(i + 1);
            }
        }
        SamplingJob.SheetMode sheet = switch (mode) {
            case CLASS_INTERPOLATION -> new SamplingJob.InterpolationSheet(SamplingJob.Along.CLASS, steps,
                    Interpolation.LINEAR);
            case LATENT_INTERPOLATION -> new SamplingJob.InterpolationSheet(SamplingJob.Along.LATENT, steps,
                    Interpolation.LINEAR, toSeed);
            default -> null;
        };
        Integer n = sheet == null ? count : null;
        // The defaults of `biggan4j sample`: stored or fresh standing statistics (-1) of batch 64,
        // 10 columns, generator batches of 50 (every request here is one batch).
        return new SamplingJob.Request(checkpoint, true, null, null, null, null, n, ids, names, truncation, -1, 64,
                null, 10, 50, sheet, seed);
    }

    /** The whole command line, shell-quoted, writing to a folder (samples) or a sheet (interpolations). */
    String command(Path checkpoint, List<String> options) {
        List<String> words = new ArrayList<>(List.of("biggan4j", "sample", checkpoint.toAbsolutePath().toString()));
        words.addAll(options);
        if (mode == Mode.SAMPLES || mode == Mode.MIXTURE) {
            words.addAll(List.of("--out", "samples/"));
        } else {
            words.addAll(List.of("--sheet", "interpolation.png"));
        }
        List<String> quoted = new ArrayList<>();
        words.forEach(w -> quoted.add(shellQuote(w)));
        return String.join(" ", quoted);
    }

    /**
     * {@code --class NAME} when the class's label names it alone (what a person would type),
     * else {@code --classes ID} (ImageNet has two "crane"s).
     */
    private static void classOption(List<String> o, int id, ClassNames names, int classCount) {
        String name = nameOf(id, names, classCount);
        o.addAll(name != null ? List.of("--class", name) : List.of("--classes", String.valueOf(id)));
    }

    /** The class's label when {@code --class} with it selects this class alone, else null. */
    private static String nameOf(int id, ClassNames names, int classCount) {
        if (names.isEmpty()) {
            return null;
        }
        String label = names.label(id);
        try {
            return ClassSelection.parse(null, List.of(label), names, classCount).equals(List.of(id)) ? label : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,+@%-]+");

    /** A word for a POSIX shell: as it is when plain, else in single quotes (a quote written '\''). */
    static String shellQuote(String word) {
        if (PLAIN.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Reads a mode as the page sends it. */
    static Mode mode(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Mode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown mode: use samples, class_interpolation, latent_interpolation "
                    + "or mixture.");
        }
    }
}
