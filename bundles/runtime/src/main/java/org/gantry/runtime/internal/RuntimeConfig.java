package org.gantry.runtime.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/runtime-config", name = "%name", description = "%description")
@interface RuntimeConfig {

    @AttributeDefinition(name = "%loadThreads.name", description = "%loadThreads.description", min = "1")
    int loadThreads() default 2;

    @AttributeDefinition(name = "%loadsPerDevice.name", description = "%loadsPerDevice.description", min = "1")
    int loadsPerDevice() default 2;

    @AttributeDefinition(name = "%measureLoadOverhead.name", description = "%measureLoadOverhead.description")
    boolean measureLoadOverhead() default true;

    @AttributeDefinition(name = "%loadTimeoutSeconds.name", description = "%loadTimeoutSeconds.description", min = "1")
    int loadTimeoutSeconds() default 600;

    @AttributeDefinition(name = "%loadWaitSeconds.name", description = "%loadWaitSeconds.description", min = "0")
    int loadWaitSeconds() default 30;

    @AttributeDefinition(name = "%failedLoadRetrySeconds.name", description = "%failedLoadRetrySeconds.description",
            min = "0")
    int failedLoadRetrySeconds() default 5;

    @AttributeDefinition(name = "%drainTimeoutSeconds.name", description = "%drainTimeoutSeconds.description",
            min = "0")
    int drainTimeoutSeconds() default 30;

    @AttributeDefinition(name = "%maxQueueSize.name", description = "%maxQueueSize.description", min = "1")
    int maxQueueSize() default 1024;

    @AttributeDefinition(name = "%backendWaitSeconds.name", description = "%backendWaitSeconds.description", min = "0")
    int backendWaitSeconds() default 30;

    @AttributeDefinition(name = "%backendInstallWaitSeconds.name",
            description = "%backendInstallWaitSeconds.description", min = "0")
    int backendInstallWaitSeconds() default 20;

    @AttributeDefinition(name = "%modelControlMode.name", description = "%modelControlMode.description",
            options = { @Option(label = "on-demand", value = "on-demand"),
                    @Option(label = "explicit", value = "explicit"),
                    @Option(label = "poll", value = "poll") })
    String modelControlMode() default "on-demand";

    @AttributeDefinition(name = "%pollIntervalSeconds.name", description = "%pollIntervalSeconds.description",
            min = "1")
    int pollIntervalSeconds() default 15;

    @AttributeDefinition(name = "%startup_target.name", description = "%startup_target.description")
    String startup_target() default "(osgi.condition.id=true)";
}
