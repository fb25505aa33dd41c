package org.gantry.memory.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The memory limit of the control group this process runs in: a container's limit (Kubernetes' limits.memory,
 * docker run --memory, SageMaker's instance share). /proc/meminfo shows the whole machine inside a container, so a
 * budget taken from it alone would overcommit the container and end in the kernel's OOM killer.
 */
final class CgroupMemory {

    /** cgroup v1 writes "no limit" as a huge number (a page-rounded Long.MAX_VALUE); anything this large is none. */
    private static final long UNLIMITED_FROM = 1L << 62;

    private CgroupMemory() {
    }

    /** This process's limit, if its control group has one. */
    static OptionalLong limit() {
        return limit(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"));
    }

    /**
     * @param selfCgroup the process's {@code /proc/self/cgroup}
     * @param mount      where the cgroup file systems are mounted ({@code /sys/fs/cgroup})
     */
    static OptionalLong limit(Path selfCgroup, Path mount) {
        List<String> groups;
        try {
            groups = Files.readAllLines(selfCgroup);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        // A hybrid host mounts both versions, with the memory controller in v1: either may hold the limit.
        for (String line : groups) {
            String[] fields = line.split(":", 3);
            if (fields.length < 3) {
                continue;
            }
            OptionalLong limit = OptionalLong.empty();
            if (fields[0].equals("0") && fields[1].isEmpty()) {
                // cgroup v2: one hierarchy. Inside a container's cgroup namespace the group shows as "/".
                limit = read(mount.resolve(relative(fields[2])).resolve("memory.max"));
                limit = limit.isPresent() ? limit : read(mount.resolve("memory.max"));
            } else if (List.of(fields[1].split(",")).contains("memory")) {
                Path controller = mount.resolve("memory");
                limit = read(controller.resolve(relative(fields[2])).resolve("memory.limit_in_bytes"));
                limit = limit.isPresent() ? limit : read(controller.resolve("memory.limit_in_bytes"));
            }
            if (limit.isPresent()) {
                return limit;
            }
        }
        return OptionalLong.empty();
    }

    private static String relative(String group) {
        return group.startsWith("/") ? group.substring(1) : group;
    }

    private static OptionalLong read(Path file) {
        try {
            String value = Files.readString(file).trim();
            if (value.equals("max")) {
                return OptionalLong.empty();
            }
            long bytes = Long.parseLong(value);
            return bytes <= 0 || bytes >= UNLIMITED_FROM ? OptionalLong.empty() : OptionalLong.of(bytes);
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
