package org.biggan4j.io;

import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The NumPy element types biggan4j reads and writes, with their {@code .npy} descriptor and the
 * matching libtorch dtype. All multi-byte types are little-endian: that is what NumPy writes on
 * every platform the presets ship for, and reading big-endian files is refused with a fix.
 */
public enum NpyDtype {
    FLOAT32("<f4", 4, ScalarType.Float),
    FLOAT64("<f8", 8, ScalarType.Double),
    INT64("<i8", 8, ScalarType.Long),
    INT32("<i4", 4, ScalarType.Int),
    UINT8("|u1", 1, ScalarType.Byte),
    BOOL("|b1", 1, ScalarType.Bool);

    private final String descr;
    private final int itemSize;
    private final ScalarType scalarType;

    NpyDtype(String descr, int itemSize, ScalarType scalarType) {
        this.descr = descr;
        this.itemSize = itemSize;
        this.scalarType = scalarType;
    }

    /** The descriptor in the {@code .npy} header, for example {@code <f4}. */
    public String descr() {
        return descr;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** The libtorch dtype holding the same values. */
    public ScalarType scalarType() {
        return scalarType;
    }

    /** True for {@code <f4} and {@code <f8}. */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The supported descriptors, for error messages. */
    public static String supported() {
        return Arrays.stream(values()).map(NpyDtype::descr).collect(Collectors.joining(", "));
    }

    /**
     * The dtype for a libtorch scalar type.
     *
     * @throws IllegalArgumentException for types without a supported {@code .npy} counterpart
     */
    public static NpyDtype of(ScalarType type) {
        for (NpyDtype d : values()) {
            if (d.scalarType.value == type.value) {   // JavaCPP enums: compare values, not instances
                return d;
            }
        }
        throw new IllegalArgumentException("Tensors of dtype " + type + " cannot be saved as .npy by biggan4j; "
                + "convert to one of float32, float64, int64, int32, uint8 or bool first.");
    }

    /**
     * The dtype for a header descriptor such as {@code <f4}; {@code file} names the source in errors.
     * A one-byte type may be written with {@code |}, {@code <} or {@code =} as NumPy allows.
     *
     * @throws BadInputException for big-endian, object (pickled) or unsupported types
     */
    static NpyDtype parse(String descr, String file) {
        String d = Npy.abbreviate(descr.strip());
        if (d.length() >= 2 && d.charAt(0) == '>' && !d.endsWith("1")) {
            throw new BadInputException(file + " stores big-endian data ('" + d
                    + "'); biggan4j reads little-endian .npy only: re-save it with numpy as "
                    + "np.save(path, arr.astype(arr.dtype.newbyteorder('<'))).");
        }
        if (d.endsWith("O")) {
            throw new BadInputException(file + " holds pickled Python objects (dtype '" + d
                    + "'); biggan4j reads numeric arrays only and never unpickles: save a numeric array "
                    + "(for example arr.astype(np.float32)).");
        }
        String kindAndSize = d.length() >= 2 && "<>|=".indexOf(d.charAt(0)) >= 0 ? d.substring(1) : d;
        for (NpyDtype t : values()) {
            if (t.descr.substring(1).equals(kindAndSize)
                    && (d.charAt(0) == '<' || d.charAt(0) == '=' || t.itemSize == 1)) {
                return t;
            }
        }
        throw new BadInputException(file + " has dtype '" + d + "', which biggan4j does not read; "
                + "supported dtypes are " + supported() + " (convert with arr.astype(...)).");
    }
}
