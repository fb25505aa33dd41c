package org.gantry.engine.libtorch;

/** What libtorch threw, with its message (without the C++ stack trace). */
public final class LibTorchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean outOfMemory;

    public LibTorchException(String message, boolean outOfMemory) {
        super(message);
        this.outOfMemory = outOfMemory;
    }

    /** Whether libtorch ran out of memory (on the device or the host). */
    public boolean outOfMemory() {
        return outOfMemory;
    }
}
