package org.gantry.traffic.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Gantry data capture",
        description = "Writes a sample of each model's requests and responses as JSON Lines, asynchronously, with"
                + " bounded memory and disk. Off unless turned on here for every model or per model (parameters"
                + " capture and capture_percent).")
@interface CaptureConfig {

    /** The PID the capture component reads. */
    String PID = "org.gantry.capture";

    @AttributeDefinition(name = "Capture every model",
            description = "Capture every model unless its configuration says capture=false. Off: only models whose"
                    + " configuration says capture=true.")
    boolean enabled() default false;

    @AttributeDefinition(name = "Sample (%)", min = "0", max = "100",
            description = "The share of a captured model's answered requests that are written, unless the model's"
                    + " capture_percent says otherwise.")
    double samplePercent() default 100;

    @AttributeDefinition(name = "Directory",
            description = "Where capture files go, one folder per model. Empty: <karaf.data>/gantry/capture.")
    String directory() default "";

    @AttributeDefinition(name = "Inline tensor bytes", min = "0",
            description = "Tensors up to this many bytes are written inside the JSON record; larger ones (and strings"
                    + " that are not UTF-8) are appended to the binary file beside it, and the record says where.")
    int inlineTensorBytes() default 1024;

    @AttributeDefinition(name = "Queue (bytes)", min = "0",
            description = "Tensor bytes of sampled exchanges waiting for the writer. When the writer falls behind and"
                    + " the queue is full, exchanges are dropped (counted) rather than slow the requests.")
    long maxQueueBytes() default 64L << 20;

    @AttributeDefinition(name = "File size (bytes)", min = "1",
            description = "A model's capture file is closed and a new one begun once it reaches this size.")
    long maxFileBytes() default 64L << 20;

    @AttributeDefinition(name = "File age (seconds)", min = "1",
            description = "A model's capture file is closed and a new one begun once it is this old.")
    int maxFileAgeSeconds() default 3600;

    @AttributeDefinition(name = "Disk (bytes)", min = "1",
            description = "The closed files written since the server started may take this much; the oldest are"
                    + " deleted first.")
    long maxTotalBytes() default 1L << 30;

    @AttributeDefinition(name = "Write rate (bytes per second)", min = "0",
            description = "The writer writes at most this many bytes per second, to spare a disk the server shares;"
                    + " 0: no limit. Exchanges beyond what the rate allows are dropped once the queue is full.")
    long maxWriteBytesPerSecond() default 0;

    @AttributeDefinition(name = "Captured request parameters",
            description = "Request parameters written with each exchange (names, or one comma-separated list). No other parameter is written, since"
                    + " parameters may carry credentials; tokens are headers and never reach the capture.")
    String[] capturedParameters() default {};
}
