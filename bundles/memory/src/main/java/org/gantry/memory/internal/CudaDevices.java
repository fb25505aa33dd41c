package org.gantry.memory.internal;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * CUDA GPUs through JCuda's driver API, which needs only {@code libcuda.so.1}: no CUDA toolkit of a matching
 * version. Free memory is read in each device's primary context, the one CUDA runtimes (libtorch) share.
 */
final class CudaDevices {

    private static final Logger LOG = LoggerFactory.getLogger(CudaDevices.class);

    /**
     * One GPU as the driver reports it.
     *
     * @param pciBusId      {@code domain:bus:device.function}, how NVML finds the same GPU; null for simulated ones
     * @param contextActive whether this process already had a CUDA context on it when it was discovered
     */
    record Gpu(int index, String name, long totalBytes, long freeBytes, String pciBusId, boolean contextActive) {
    }

    private CudaDevices() {
    }

    /** Every GPU, or none (with one info line) when there is no driver or device. */
    static List<Gpu> discover() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            List<Gpu> gpus = new ArrayList<>();
            for (int index = 0; index < count[0]; index++) {
                gpus.add(describe(index));
            }
            return gpus;
        } catch (Throwable noCuda) { // UnsatisfiedLinkError without libcuda.so.1, CudaException without a device
            LOG.info("No CUDA GPU available ({}): models use host memory only", rootMessage(noCuda));
            return List.of();
        }
    }

    /** Free memory of one GPU now, as the driver sees it (all processes included). */
    static long freeBytes(int index) {
        return describe(index).freeBytes();
    }

    private static Gpu describe(int index) {
        CUdevice device = new CUdevice();
        JCudaDriver.cuDeviceGet(device, index);
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, device);
        long[] total = new long[1];
        JCudaDriver.cuDeviceTotalMem(total, device);
        String[] pciBusId = new String[1];
        JCudaDriver.cuDeviceGetPCIBusId(pciBusId, 32, device);
        int[] flags = new int[1];
        int[] active = new int[1];
        JCudaDriver.cuDevicePrimaryCtxGetState(device, flags, active);
        CUcontext context = new CUcontext();
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        try {
            JCudaDriver.cuCtxPushCurrent(context);
            long[] free = new long[1];
            long[] totalInContext = new long[1];
            JCudaDriver.cuMemGetInfo(free, totalInContext);
            JCudaDriver.cuCtxPopCurrent(new CUcontext());
            return new Gpu(index, new String(name, 0, length(name)), total[0], free[0], pciBusId[0], active[0] != 0);
        } finally {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }

    private static int length(byte[] cString) {
        int length = 0;
        while (length < cString.length && cString[length] != 0) {
            length++;
        }
        return length;
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int newline = message.indexOf('\n');
        return root.getClass().getSimpleName() + ": " + (newline < 0 ? message : message.substring(0, newline));
    }
}
