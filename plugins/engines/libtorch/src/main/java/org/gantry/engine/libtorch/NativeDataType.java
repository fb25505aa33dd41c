package org.gantry.engine.libtorch;

/** The element types the bridge passes to and from libtorch, with their sizes. */
public enum NativeDataType {
    BOOL(1),
    UINT8(1),
    INT8(1),
    INT16(2),
    INT32(4),
    INT64(8),
    FP16(2),
    BF16(2),
    FP32(4),
    FP64(8);

    private final int byteSize;

    NativeDataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The type of a name such as {@code FP32}, as KServe v2 names datatypes, or null when libtorch has none. */
    public static NativeDataType forName(String name) {
        for (NativeDataType type : values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        return null;
    }
}
