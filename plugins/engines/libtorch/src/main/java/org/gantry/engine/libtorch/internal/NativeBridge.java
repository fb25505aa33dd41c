package org.gantry.engine.libtorch.internal;

import java.nio.ByteBuffer;

/** The JNI functions of {@code libgantry_libtorch.so} (src/main/native/gantry_libtorch.cpp). */
final class NativeBridge {

    private NativeBridge() {
    }

    static native String version();

    static native boolean builtWithCuda();

    /** A module handle; throws LibTorchException. */
    static native long load(String path, String device);

    static native void free(long handle);

    static native long bytes(long handle);

    /** Per output: byte[] data, int[1] dtype code (NativeDataType's ordinal), long[] shape. */
    static native Object[] forward(long handle, ByteBuffer[] inputs, int[] types, long[][] shapes);

    static native boolean cudaAvailable();

    static native int cudaDeviceCount();

    /** {free, total, reserved, allocated}. */
    static native long[] cudaMemory(int index);

    static native void emptyCache();

    /** Moves the module's parameters and buffers to the device (pinned host memory when they leave a GPU). */
    static native long moveTo(long handle, String device);
}
