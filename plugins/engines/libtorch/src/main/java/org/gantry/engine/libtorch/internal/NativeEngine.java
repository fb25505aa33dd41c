package org.gantry.engine.libtorch.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import org.gantry.engine.libtorch.DeviceMemory;
import org.gantry.engine.libtorch.LibTorchEngine;
import org.gantry.engine.libtorch.LibTorchException;
import org.gantry.engine.libtorch.LibTorchModule;

/** The engine over a loaded bridge library. */
final class NativeEngine implements LibTorchEngine {

    private final String version = NativeBridge.version();

    @Override
    public LibTorchModule load(Path file, String device) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(device, "device");
        if (!Files.isRegularFile(file)) {
            throw new LibTorchException("no such file: " + file, false);
        }
        return new NativeModule(NativeBridge.load(file.toAbsolutePath().toString(), device), device);
    }

    @Override
    public boolean cudaAvailable() {
        return NativeBridge.cudaAvailable();
    }

    @Override
    public int cudaDeviceCount() {
        return NativeBridge.cudaDeviceCount();
    }

    @Override
    public DeviceMemory cudaMemory(int index) {
        long[] values = NativeBridge.cudaMemory(index);
        return new DeviceMemory(values[0], values[1], values[2], values[3]);
    }

    @Override
    public void emptyCache() {
        NativeBridge.emptyCache();
    }

    @Override
    public String version() {
        return version;
    }

    boolean builtWithCuda() {
        return NativeBridge.builtWithCuda();
    }
}
