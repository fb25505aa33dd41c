package org.gantry.backend.torchscript.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.gantry.api.error.GantryException;
import org.gantry.api.tensor.DataType;
import org.gantry.api.tensor.Tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Moves tensors between Gantry's little-endian buffers and DJL NDArrays, byte for byte. */
final class TensorConversions {

    private TensorConversions() {
    }

    static ai.djl.ndarray.types.DataType toDjl(DataType type) {
        return switch (type) {
            case BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
            case UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
            case UINT16 -> ai.djl.ndarray.types.DataType.UINT16;
            case UINT32 -> ai.djl.ndarray.types.DataType.UINT32;
            case UINT64 -> ai.djl.ndarray.types.DataType.UINT64;
            case INT8 -> ai.djl.ndarray.types.DataType.INT8;
            case INT16 -> ai.djl.ndarray.types.DataType.INT16;
            case INT32 -> ai.djl.ndarray.types.DataType.INT32;
            case INT64 -> ai.djl.ndarray.types.DataType.INT64;
            case FP16 -> ai.djl.ndarray.types.DataType.FLOAT16;
            case BF16 -> ai.djl.ndarray.types.DataType.BFLOAT16;
            case FP32 -> ai.djl.ndarray.types.DataType.FLOAT32;
            case FP64 -> ai.djl.ndarray.types.DataType.FLOAT64;
            case BYTES -> throw GantryException.invalidArgument(
                    "TorchScript models take no BYTES (string) tensors; tokenize first, e.g. in an ensemble step");
        };
    }

    static DataType fromDjl(ai.djl.ndarray.types.DataType type) {
        return switch (type) {
            case BOOLEAN -> DataType.BOOL;
            case UINT8 -> DataType.UINT8;
            case UINT16 -> DataType.UINT16;
            case UINT32 -> DataType.UINT32;
            case UINT64 -> DataType.UINT64;
            case INT8 -> DataType.INT8;
            case INT16 -> DataType.INT16;
            case INT32 -> DataType.INT32;
            case INT64 -> DataType.INT64;
            case FLOAT16 -> DataType.FP16;
            case BFLOAT16 -> DataType.BF16;
            case FLOAT32 -> DataType.FP32;
            case FLOAT64 -> DataType.FP64;
            default -> throw new IllegalArgumentException("PyTorch returned a tensor of type " + type
                    + ", which has no KServe v2 datatype");
        };
    }

    static NDArray toNDArray(NDManager manager, Tensor tensor) {
        // DJL copies heap buffers into native memory itself: one copy, no boxing.
        NDArray array = manager.create(tensor.data(), new Shape(tensor.shape()), toDjl(tensor.dataType()));
        array.setName(tensor.name());
        return array;
    }

    static Tensor toTensor(String name, NDArray array) {
        ByteBuffer nativeData = array.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(nativeData.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(nativeData.order(ByteOrder.nativeOrder()));
        return Tensor.of(name, fromDjl(array.getDataType()), array.getShape().getShape(), copy.flip());
    }
}
