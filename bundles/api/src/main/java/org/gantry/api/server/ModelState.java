package org.gantry.api.server;

/** The lifecycle states of a model version. */
public enum ModelState {
    /** Known from the repository, not loaded. */
    UNAVAILABLE,
    LOADING,
    READY,
    /** Draining in-flight requests before its memory is freed. */
    UNLOADING,
    /** The last load failed; the status carries the reason. */
    FAILED
}
