package dev.vecrnn.nn.io;

import dev.vecrnn.nn.io.internal.Untrusted;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types of stored tensors. The constant names are the dtype strings of safetensors
 * ({@code "F32"}, {@code "BF16"}, ...); {@link #npyDescr()} gives the NumPy descriptor where there is one.
 * Every type is stored little-endian.
 */
public enum DType {
    F64(8, "<f8"),
    F32(4, "<f4"),
    F16(2, "<f2"),
    /** bfloat16: the upper 16 bits of a float32. NumPy has no such type. */
    BF16(2, null),
    I64(8, "<i8"),
    I32(4, "<i4"),
    I16(2, "<i2"),
    I8(1, "|i1"),
    U8(1, "|u1"),
    /** One byte per element, 0 for false and 1 for true. */
    BOOL(1, "|b1");

    private final int size;
    private final String npyDescr;

    DType(int size, String npyDescr) {
        this.size = size;
        this.npyDescr = npyDescr;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** True for F64, F32, F16 and BF16. */
    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The NumPy {@code descr} string ({@code "<f4"}, {@code "|u1"}, ...), or null when NumPy has none. */
    public String npyDescr() {
        return npyDescr;
    }

    /**
     * The dtype whose safetensors name is {@code name}.
     *
     * @throws IllegalArgumentException naming the unknown string and listing the known ones
     */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) return t;
        }
        throw new IllegalArgumentException("unknown dtype " + Untrusted.quote(name) + ", expected one of " + knownNames());
    }

    /** The dtype with NumPy descriptor {@code descr}, or null when none matches. */
    static DType fromNpyDescr(String descr) {
        for (DType t : values()) {
            if (descr.equals(t.npyDescr)) return t;
        }
        return null;
    }

    static String knownNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
