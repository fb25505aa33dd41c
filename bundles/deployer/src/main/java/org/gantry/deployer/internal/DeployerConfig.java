package org.gantry.deployer.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(localization = "OSGI-INF/l10n/deployer-config", name = "%name", description = "%description")
@interface DeployerConfig {

    @AttributeDefinition(name = "%folder.name", description = "%folder.description")
    String folder() default "";

    @AttributeDefinition(name = "%maxBytes.name", description = "%maxBytes.description", min = "1")
    long maxBytes() default 8L * 1024 * 1024 * 1024;

    @AttributeDefinition(name = "%maxEntries.name", description = "%maxEntries.description", min = "1")
    int maxEntries() default 10_000;

    @AttributeDefinition(name = "%keepFreeBytes.name", description = "%keepFreeBytes.description", min = "0")
    long keepFreeBytes() default 1024L * 1024 * 1024;

    @AttributeDefinition(name = "%maxCompressionRatio.name", description = "%maxCompressionRatio.description",
            min = "1")
    int maxCompressionRatio() default 100;

    @AttributeDefinition(name = "%compressionRatioFromBytes.name",
            description = "%compressionRatioFromBytes.description", min = "0")
    long compressionRatioFromBytes() default 1024L * 1024;
}
