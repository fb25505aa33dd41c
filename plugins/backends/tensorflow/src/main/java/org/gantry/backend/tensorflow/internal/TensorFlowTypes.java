package org.gantry.backend.tensorflow.internal;

import org.gantry.api.error.GantryException;
import org.gantry.api.tensor.DataType;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/** The datatypes TensorFlow Java and KServe v2 share: TensorFlow's DT_* and TF Java's tensor classes. */
final class TensorFlowTypes {

    private TensorFlowTypes() {
    }

    static DataType toKServe(org.tensorflow.proto.DataType type, String tensor) {
        return switch (type) {
            case DT_FLOAT -> DataType.FP32;
            case DT_DOUBLE -> DataType.FP64;
            case DT_HALF -> DataType.FP16;
            case DT_BFLOAT16 -> DataType.BF16;
            case DT_INT32 -> DataType.INT32;
            case DT_INT64 -> DataType.INT64;
            case DT_UINT8 -> DataType.UINT8;
            case DT_UINT16 -> DataType.UINT16;
            case DT_BOOL -> DataType.BOOL;
            case DT_STRING -> DataType.BYTES;
            default -> throw GantryException.invalidArgument("tensor '%s' has TensorFlow type %s, which Gantry cannot"
                    + " serve (supported: float, double, half, bfloat16, int32, int64, uint8, uint16, bool, string)",
                    tensor, type);
        };
    }

    /** TF Java's tensor class for a datatype; BYTES is {@link TString}, created separately. */
    static Class<? extends TType> tensorClass(DataType type, String tensor) {
        return switch (type) {
            case FP32 -> TFloat32.class;
            case FP64 -> TFloat64.class;
            case FP16 -> TFloat16.class;
            case BF16 -> TBfloat16.class;
            case INT32 -> TInt32.class;
            case INT64 -> TInt64.class;
            case UINT8 -> TUint8.class;
            case UINT16 -> TUint16.class;
            case BOOL -> TBool.class;
            case BYTES -> TString.class;
            default -> throw GantryException.invalidArgument("input '%s' is %s, which TensorFlow cannot take", tensor,
                    type);
        };
    }
}
