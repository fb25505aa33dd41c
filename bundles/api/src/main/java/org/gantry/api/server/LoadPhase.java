package org.gantry.api.server;

/**
 * The phases of one model version's load, in the order the runtime goes through them; a version with several
 * instances goes through {@link #RESERVE_MEMORY} to {@link #WARM_UP} once per instance.
 */
public enum LoadPhase {

    /** Reading the configuration (completed by the backend) and measuring the version's files. */
    READ("read"),
    /** Reserving memory on a device, which may have to wait for, or evict, other models. */
    RESERVE_MEMORY("reserve memory"),
    /** The backend deserialising the artifact onto its device (to the GPU, for a GPU model). */
    DESERIALISE("deserialise"),
    /** Running the configuration's model_warmup requests. */
    WARM_UP("warm-up");

    private final String label;

    LoadPhase(String label) {
        this.label = label;
    }

    /** How people read the phase: {@code read}, {@code reserve memory}, {@code deserialise}, {@code warm-up}. */
    public String label() {
        return label;
    }
}
