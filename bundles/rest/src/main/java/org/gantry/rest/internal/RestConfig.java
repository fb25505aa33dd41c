package org.gantry.rest.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/rest-config", name = "%name", description = "%description")
@interface RestConfig {

    /** The PID every REST component reads. */
    String PID = "org.gantry.rest";

    @AttributeDefinition(name = "%maxRequestBytes.name", description = "%maxRequestBytes.description", min = "1024")
    long maxRequestBytes() default 64L * 1024 * 1024;

    @AttributeDefinition(name = "%bodyReadDeadlineSeconds.name", min = "1",
            description = "%bodyReadDeadlineSeconds.description")
    int bodyReadDeadlineSeconds() default 60;

    @AttributeDefinition(name = "%minRequestBytesPerSecond.name", min = "0",
            description = "%minRequestBytesPerSecond.description")
    long minRequestBytesPerSecond() default 16 * 1024;

    @AttributeDefinition(name = "%bodyRateGraceSeconds.name", min = "0",
            description = "%bodyRateGraceSeconds.description")
    int bodyRateGraceSeconds() default 5;

    @AttributeDefinition(name = "%maxTensorElements.name", description = "%maxTensorElements.description", min = "1")
    long maxTensorElements() default 64L * 1024 * 1024;

    @AttributeDefinition(name = "%_adminToken.name", type = AttributeType.PASSWORD,
            description = "%_adminToken.description")
    String _adminToken() default ""; // ".adminToken": a private property, never copied into service properties

    @AttributeDefinition(name = "%_inferenceToken.name", type = AttributeType.PASSWORD,
            description = "%_inferenceToken.description")
    String _inferenceToken() default ""; // ".inferenceToken", private as well

    @AttributeDefinition(name = "%remoteManagementWithoutToken.name",
            description = "%remoteManagementWithoutToken.description")
    boolean remoteManagementWithoutToken() default false;

    @AttributeDefinition(name = "%leanInference.name", description = "%leanInference.description")
    boolean leanInference() default true;
}
