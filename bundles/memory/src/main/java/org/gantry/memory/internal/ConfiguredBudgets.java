package org.gantry.memory.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.gantry.api.backend.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the memory manager's configuration means in bytes on this machine: the host's budget (configured, or a share
 * of what the JVM heap leaves of physical memory or the container's limit), the GPUs' utilisation, and where learned
 * footprints are kept.
 */
final class ConfiguredBudgets {

    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredBudgets.class);

    private ConfiguredBudgets() {
    }

    static DeviceBudget host(MemoryConfig config) {
        long physical = physicalMemory();
        return new DeviceBudget(Device.CPU, physical, hostBudgetBytes(config.hostBudget(), config.hostUtilization(),
                physical, Runtime.getRuntime().maxMemory()));
    }

    /**
     * The configured budget; without one, a share of what the JVM heap leaves of memory. (An environment variable
     * reaches it through a placeholder in etc/org.gantry.memory.cfg, never through Java.)
     */
    static long hostBudgetBytes(String configured, double utilization, long physical, long heap) {
        return configured == null || configured.isBlank() ? (long) ((physical - heap) * utilization)
                : ByteSizes.parse(configured);
    }

    static double gpuUtilization(double utilization) {
        if (utilization < 0 || utilization > 1) {
            throw new IllegalArgumentException("GPU utilisation must lie in 0..1, not " + utilization);
        }
        return utilization;
    }

    static Path footprintFile(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String data = System.getProperty("karaf.data");
        return data == null ? null : Path.of(data, "gantry", "footprints.properties");
    }

    /**
     * Physical memory from /proc/meminfo (Linux), or the container's limit when it has a smaller one (CgroupMemory);
     * the JVM's own limit elsewhere.
     */
    static long physicalMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long machine = Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                    return Math.min(machine, CgroupMemory.limit().orElse(machine));
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("No /proc/meminfo: {}", e.toString());
        }
        return Runtime.getRuntime().maxMemory();
    }
}
