package org.gantry.memory.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.gantry.api.backend.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.PointerByReference;

/**
 * GPU memory in use through NVML ({@code libnvidia-ml.so.1}, part of the driver), the figure nvidia-smi shows. NVML
 * needs no CUDA context: a reading neither creates one nor depends on the thread, and the reading taken before
 * any engine starts is what other processes use. (The driver API's cuMemGetInfo needs a context, and creating one
 * to read the baseline would hide the context's own memory from the measurement.) GPUs are matched to CUDA's
 * numbering by PCI bus id, which stays right under {@code CUDA_VISIBLE_DEVICES}.
 */
final class NvmlProbe implements DeviceMemoryProbe {

    private static final Logger LOG = LoggerFactory.getLogger(NvmlProbe.class);
    private static final int NVML_SUCCESS = 0;

    /** The three NVML calls used, bound through JNA. */
    interface Nvml extends Library {
        int nvmlInit_v2();

        int nvmlDeviceGetHandleByPciBusId_v2(String pciBusId, PointerByReference device);

        int nvmlDeviceGetMemoryInfo(Pointer device, NvmlMemory memory);
    }

    /** NVML's {@code nvmlMemory_t}: three unsigned long long fields, in bytes. */
    @Structure.FieldOrder({ "total", "free", "used" })
    public static class NvmlMemory extends Structure {
        public long total;
        public long free;
        public long used;

        public NvmlMemory() {
            super();
        }
    }

    private final Nvml nvml;
    private final Map<Device, Pointer> handles;

    private NvmlProbe(Nvml nvml, Map<Device, Pointer> handles) {
        this.nvml = nvml;
        this.handles = handles;
    }

    /** A probe of the GPUs NVML can match, or {@link #NONE} (with one info line) without NVML or GPUs. */
    static DeviceMemoryProbe open(List<CudaDevices.Gpu> gpus) {
        if (gpus.isEmpty()) {
            return NONE;
        }
        try {
            Nvml nvml = load();
            check(nvml.nvmlInit_v2(), "nvmlInit_v2");
            Map<Device, Pointer> handles = new HashMap<>();
            for (CudaDevices.Gpu gpu : gpus) {
                PointerByReference handle = new PointerByReference();
                if (gpu.pciBusId() != null
                        && nvml.nvmlDeviceGetHandleByPciBusId_v2(gpu.pciBusId(), handle) == NVML_SUCCESS) {
                    handles.put(Device.gpu(gpu.index()), handle.getValue());
                } else {
                    LOG.info("NVML does not know GPU {} (PCI bus {}): its unleased memory is not measured", gpu.index(),
                            gpu.pciBusId());
                }
            }
            return handles.isEmpty() ? NONE : new NvmlProbe(nvml, Map.copyOf(handles));
        } catch (RuntimeException | LinkageError unavailable) { // no libnvidia-ml.so.1, or an NVML error
            LOG.info("NVML unavailable ({}): the GPU reserve stands in for unleased GPU memory, which is not measured",
                    unavailable.toString());
            return NONE;
        }
    }

    private static Nvml load() {
        try {
            return Native.load("libnvidia-ml.so.1", Nvml.class); // the driver's versioned name: no -dev symlink needed
        } catch (UnsatisfiedLinkError versionedNameMissing) {
            return Native.load("nvidia-ml", Nvml.class);
        }
    }

    @Override
    public OptionalLong usedBytes(Device device) {
        Pointer handle = handles.get(device);
        if (handle == null) {
            return OptionalLong.empty();
        }
        NvmlMemory memory = new NvmlMemory();
        int status = nvml.nvmlDeviceGetMemoryInfo(handle, memory);
        if (status != NVML_SUCCESS) {
            LOG.debug("nvmlDeviceGetMemoryInfo({}) returned {}", device, status);
            return OptionalLong.empty();
        }
        return OptionalLong.of(memory.used);
    }

    private static void check(int status, String call) {
        if (status != NVML_SUCCESS) {
            throw new IllegalStateException(call + " returned NVML error " + status);
        }
    }
}
