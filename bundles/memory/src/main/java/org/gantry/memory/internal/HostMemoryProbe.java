package org.gantry.memory.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Native;
import com.sun.jna.Structure;

/**
 * Native heap in use by this process, as glibc's allocator counts it ({@code mallinfo2}: bytes in use in arenas
 * plus mmap'd blocks). Engines allocate model memory through malloc, while the Java heap lies outside these
 * counts, so a load's delta is what the engine took. Where mallinfo2 is missing (other C libraries), the
 * resident set size stands in.
 */
final class HostMemoryProbe {

    private static final Logger LOG = LoggerFactory.getLogger(HostMemoryProbe.class);
    private static final long PAGE_SIZE = 4096;

    /** glibc's {@code struct mallinfo2}: ten size_t fields. */
    @Structure.FieldOrder({ "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost" })
    public static class MallInfo2 extends Structure {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;

        public MallInfo2() {
            super();
        }

        /** By value, as mallinfo2 returns it. */
        public static final class ByValue extends MallInfo2 implements Structure.ByValue {
        }
    }

    /** The C library's mallinfo2, bound directly. */
    private static final class LibC {
        static native MallInfo2.ByValue mallinfo2();
    }

    private static final boolean MALLINFO2 = bind();

    private HostMemoryProbe() {
    }

    private static boolean bind() {
        try {
            Native.register(LibC.class, "c");
            LibC.mallinfo2();
            return true;
        } catch (Throwable unavailable) { // no JNA native library, or a C library without mallinfo2
            LOG.info("mallinfo2 unavailable ({}): model overhead is measured from the resident set size",
                    unavailable.toString());
            return false;
        }
    }

    /** Bytes of native memory in use now. */
    static long nativeBytesInUse() {
        if (MALLINFO2) {
            MallInfo2 info = LibC.mallinfo2();
            return info.uordblks + info.hblkhd;
        }
        try {
            String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(statm[1]) * PAGE_SIZE;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
