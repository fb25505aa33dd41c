package org.gantry.api.tensor;

import java.util.Locale;

import org.gantry.api.error.GantryException;

/**
 * The tensor element types of the KServe v2 / Open Inference Protocol, with their model-configuration
 * names (Triton's {@code TYPE_*}).
 */
public enum DataType {
    BOOL(1, "TYPE_BOOL"),
    UINT8(1, "TYPE_UINT8"),
    UINT16(2, "TYPE_UINT16"),
    UINT32(4, "TYPE_UINT32"),
    UINT64(8, "TYPE_UINT64"),
    INT8(1, "TYPE_INT8"),
    INT16(2, "TYPE_INT16"),
    INT32(4, "TYPE_INT32"),
    INT64(8, "TYPE_INT64"),
    FP16(2, "TYPE_FP16"),
    FP32(4, "TYPE_FP32"),
    FP64(8, "TYPE_FP64"),
    BF16(2, "TYPE_BF16"),
    /** Variable-length byte strings; each element is stored as a 4-byte little-endian length and its bytes. */
    BYTES(-1, "TYPE_STRING");

    private final int byteSize;
    private final String configName;

    DataType(int byteSize, String configName) {
        this.byteSize = byteSize;
        this.configName = configName;
    }

    /** Bytes per element, or -1 for {@link #BYTES}. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFixedSize() {
        return byteSize > 0;
    }

    /** The name used in Triton's model configuration, e.g. {@code TYPE_FP32}; {@code TYPE_STRING} for BYTES. */
    public String configName() {
        return configName;
    }

    /** Parses a protocol datatype name such as {@code FP32}; an unknown name is the caller's mistake. */
    public static DataType fromProtocolName(String name) {
        if (name == null) {
            throw GantryException.invalidArgument("datatype is missing");
        }
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw GantryException.invalidArgument(
                    "unknown datatype '%s': expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32,"
                            + " INT64, FP16, FP32, FP64, BF16, BYTES",
                    name);
        }
    }

    /** Parses a model-configuration type name such as {@code TYPE_FP32}. */
    public static DataType fromConfigName(String name) {
        for (DataType type : values()) {
            if (type.configName.equals(name)) {
                return type;
            }
        }
        throw GantryException.invalidArgument("unsupported data_type '%s' in model configuration", name);
    }
}
