package org.gantry.traffic.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/capture-config", name = "%name", description = "%description")
@interface CaptureConfig {

    /** The PID the capture component reads. */
    String PID = "org.gantry.capture";

    @AttributeDefinition(name = "%enabled.name", description = "%enabled.description")
    boolean enabled() default false;

    @AttributeDefinition(name = "%samplePercent.name", min = "0", max = "100",
            description = "%samplePercent.description")
    double samplePercent() default 100;

    @AttributeDefinition(name = "%directory.name", description = "%directory.description")
    String directory() default "";

    @AttributeDefinition(name = "%inlineTensorBytes.name", min = "0", description = "%inlineTensorBytes.description")
    int inlineTensorBytes() default 1024;

    @AttributeDefinition(name = "%maxQueueBytes.name", min = "0", description = "%maxQueueBytes.description")
    long maxQueueBytes() default 64L << 20;

    @AttributeDefinition(name = "%maxFileBytes.name", min = "1", description = "%maxFileBytes.description")
    long maxFileBytes() default 64L << 20;

    @AttributeDefinition(name = "%maxFileAgeSeconds.name", min = "1", description = "%maxFileAgeSeconds.description")
    int maxFileAgeSeconds() default 3600;

    @AttributeDefinition(name = "%maxTotalBytes.name", min = "1", description = "%maxTotalBytes.description")
    long maxTotalBytes() default 1L << 30;

    @AttributeDefinition(name = "%maxWriteBytesPerSecond.name", min = "0",
            description = "%maxWriteBytesPerSecond.description")
    long maxWriteBytesPerSecond() default 0;

    @AttributeDefinition(name = "%capturedParameters.name", description = "%capturedParameters.description")
    String[] capturedParameters() default {};
}
