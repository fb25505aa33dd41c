package org.gantry.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupMemoryTest {

    @TempDir
    Path root;

    @Test
    void aCgroupV2ContainerLimitIsReadFromItsGroupOrTheNamespacesRoot() throws IOException {
        write("self", "0::/kubepods/pod1/container1\n");
        write("fs/kubepods/pod1/container1/memory.max", "4294967296\n");
        assertEquals(OptionalLong.of(4294967296L), limit());

        write("self", "0::/\n");
        write("fs/memory.max", "1073741824\n");
        assertEquals(OptionalLong.of(1073741824L), limit(), "inside a cgroup namespace the group is the root");
    }

    @Test
    void noLimitIsNone() throws IOException {
        write("self", "0::/user.slice\n");
        write("fs/user.slice/memory.max", "max\n");
        assertEquals(OptionalLong.empty(), limit());

        write("self", "12:memory:/docker/abc\n");
        write("fs/memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");
        assertEquals(OptionalLong.empty(), limit(), "cgroup v1 writes 'unlimited' as a page-rounded Long.MAX_VALUE");
    }

    @Test
    void aCgroupV1LimitIsReadFromTheMemoryController() throws IOException {
        write("self", "5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n");
        write("fs/memory/docker/abc/memory.limit_in_bytes", "536870912\n");
        assertEquals(OptionalLong.of(536870912L), limit());
    }

    @Test
    void onAHybridHostTheV1MemoryControllerHoldsTheLimitWhateverTheLineOrder() throws IOException {
        write("self", "0::/\n4:memory:/process_api/abc\n1:cpu:/\n");
        write("fs/memory/memory.limit_in_bytes", "2147483648\n");
        assertEquals(OptionalLong.of(2147483648L), limit());
    }

    @Test
    void withoutCgroupFilesThereIsNoLimit() {
        assertEquals(OptionalLong.empty(), CgroupMemory.limit(root.resolve("missing"), root.resolve("fs")));
    }

    private OptionalLong limit() {
        return CgroupMemory.limit(root.resolve("self"), root.resolve("fs"));
    }

    private void write(String file, String content) throws IOException {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
    }
}
