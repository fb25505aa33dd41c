package org.gantry.protocol.access;

/** Which token an operation needs. */
public enum Access {
    /** Health and the API's own description: no token, ever. */
    OPEN,
    /** Reading models and running inferences: the inference token, when one is set (or the administrator's). */
    INFERENCE,
    /**
     * Changing the server (load, unload, add, remove, pin, drain): the administrator token; without one, calls from
     * the server's own machine only, unless the operator opens management on purpose. The strictest: an operation
     * nobody classified is management.
     */
    MANAGEMENT
}
